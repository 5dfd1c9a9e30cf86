"""An uploaded verifiable credential: a `.json` file, or a PNG with an Open Badges 3.0 credential
baked in (iTXt chunk `openbadgecredential`). Such an upload is checked as a credential (signature,
issuer's DID, status lists, dates; credentials/checking.py), not by the image pipeline.
"""

from __future__ import annotations

import json

from django.conf import settings

from core.parsers import json_depth_exceeds
from credentials.baking import BakingError, unbake
from credentials.checking import CredentialCheck, check_credential

from .errors import VerificationError

MAX_CREDENTIAL_BYTES = 512 * 1024  # an Open Badges credential is 2-10 KB; the canonicalization is not linear
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _invalid(message: str, code: str) -> VerificationError:
    return VerificationError(message, field="file", code=code)


def _parse(text: bytes) -> dict:
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise _invalid(
            f"A credential file is at most {MAX_CREDENTIAL_BYTES // 1024} KB; this one is larger.",
            "credential_too_large",
        )
    if json_depth_exceeds(text):
        raise _invalid("The credential's JSON is nested too deeply to be a credential.", "invalid_credential")
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid("The file looks like JSON but does not parse as JSON.", "invalid_credential") from exc
    if not isinstance(document, dict):
        raise _invalid("A credential is a JSON object; this file holds something else.", "invalid_credential")
    return document


def credential_in_upload(upload) -> tuple[dict, bytes, str] | None:
    """(credential, the file's bytes, its content type) when the upload carries a credential, else
    None (the file goes to the document pipeline). The upload is rewound either way."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        return None  # check_upload refuses it
    head = upload.read(len(PNG_SIGNATURE))
    upload.seek(0)
    if head.lstrip()[:1] in (b"{", b"\xef"):  # JSON, possibly after a UTF-8 byte order mark
        data = upload.read(MAX_CREDENTIAL_BYTES + 1)
        upload.seek(0)
        return _parse(data.removeprefix(b"\xef\xbb\xbf")), data, "application/json"
    if head != PNG_SIGNATURE:
        return None
    data = upload.read()
    upload.seek(0)
    try:
        baked = unbake(data)
    except BakingError:
        return None  # a damaged PNG: the document checks say so
    if baked is None:
        return None
    return _parse(baked.encode("utf-8")), data, "image/png"


def checked_credential(document: dict) -> CredentialCheck:
    return check_credential(document)
