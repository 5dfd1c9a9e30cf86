"""HTTP helpers shared by every app's views."""

from django.http import FileResponse
from django.utils.http import content_disposition_header


def file_response(field_file, filename: str, content_type: str, *, inline: bool) -> FileResponse:
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
