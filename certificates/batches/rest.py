"""REST endpoints for bulk issuance batches: progress, the error report, the ZIP of the PDFs."""

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from certificates.batches import archive as batch_archive
from certificates.batches import selectors as batch_selectors
from certificates.batches import serializers as s
from certificates.batches import services as batches
from certificates.models import IssuanceBatch
from organizations.permissions import ActorMixin


class IssuanceBatchViewSet(ActorMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IssuanceBatch.objects.none()
    serializer_class = s.IssuanceBatchSerializer

    def get_queryset(self):
        return batch_selectors.batches_for_actor(self.actor)

    @extend_schema(summary="Download a batch's error report", responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"], url_path="errors", url_name="errors")
    def errors_csv(self, request, pk=None):
        """Row, column, message and the row's original data for every row that was not issued."""
        batch = self.get_object()
        response = HttpResponse(batches.batch_error_report(batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"batch-{batch.pk}-errors.csv")
        return response

    @extend_schema(
        methods=["POST"],
        summary="Request the ZIP of a batch's PDFs",
        request=None,
        responses={202: s.IssuanceBatchSerializer},
    )
    @extend_schema(
        methods=["GET"],
        summary="Download the ZIP of a batch's PDFs",
        responses={
            (200, "application/zip"): OpenApiResponse(bytes, description="One PDF per issued certificate."),
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="archive", url_name="archive")
    def archive(self, request, pk=None):
        """POST builds the ZIP in a worker (poll archive_status/archive_percent); GET streams it when ready."""
        batch = self.get_object()
        if request.method == "POST":
            batch = batch_archive.batch_archive_request(actor=self.actor, batch=batch)
            return Response(
                s.IssuanceBatchSerializer(batch, context={"request": request}).data,
                status=status.HTTP_202_ACCEPTED,
            )
        stored = batch_archive.batch_archive_file(batch)
        return FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=f"batch-{batch.pk}-certificates.zip",
            content_type="application/zip",
        )
