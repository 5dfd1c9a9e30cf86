"""The content hash of a certificate: SHA-256 over a canonical JSON of the fields that define it.

The rule (a standalone proof checker reimplements exactly this, so never change it for ``v: 1``)::

    content_hash = sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()

where ``fields`` is the dict built by :func:`canonical_fields`::

    {"v": 1, "credential_id": "CV-...", "organization": "<slug>", "recipient_name": "...",
     "recipient_email": "...", "title": "...", "issue_date": "YYYY-MM-DD",
     "expiry_date": "YYYY-MM-DD" | null, "grade": "..." | null, "metadata": {...}}

Which fields, and why: everything a relying party reads off the certificate or that identifies whom
it was issued to and by whom -- the public id, the issuing organization, the recipient (name and
e-mail, so two people with the same name get different hashes), what was achieved (title, grade,
free-form metadata such as credits or honours) and the validity window. Left out on purpose:
status and revocation (they change after issuance; the registry answers those), the template and
rendered files (presentation, not content), database ids and timestamps (internal).

Normalization, so that equal content always hashes equally:

* strings: Unicode NFC, runs of whitespace collapsed to one space, stripped;
* e-mail: additionally lower-cased (mailbox case is not significant in practice);
* organization: the slug, lower-cased;
* optional values (expiry date, grade, e-mail) that are missing or blank: ``null``;
* dates: ISO ``YYYY-MM-DD`` (``datetime`` is refused: its date depends on a time zone);
* metadata: JSON values only, strings inside it normalized like the rest, non-finite floats refused;
  key order does not matter (``sort_keys``);
* ``"v": 1`` names this schema so a future change can coexist with existing hashes.
"""

import datetime as dt
import hashlib
import json
import math
import unicodedata
from typing import Any

from certificates.lifecycle.credential_ids import is_valid_credential_id, normalize_credential_id

SCHEMA_VERSION = 1


def normalize_text(value: str) -> str:
    """NFC-normalize and collapse whitespace (str.split() also splits on NBSP and other Unicode spaces)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _required_text(value: str | None, *, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected text, got {type(value).__name__}")
    text = normalize_text(value)
    if not text:
        raise ValueError(f"{field}: required")
    return text


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    return normalize_text(str(value)) or None


def _iso_date(value: dt.date | str | None, *, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise TypeError(f"{field}: expected a date, got a datetime (ambiguous without a time zone)")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{field}: {value!r} is not a date in YYYY-MM-DD form") from None
    if not isinstance(value, dt.date):
        raise TypeError(f"{field}: expected a date or an ISO 'YYYY-MM-DD' string")
    return value.isoformat()


def _normalize_metadata(value: Any, *, path: str = "metadata") -> Any:
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: NaN and infinity have no JSON form")
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {normalize_text(str(k)): _normalize_metadata(v, path=f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize_metadata(v, path=f"{path}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_fields(
    *,
    credential_id: str,
    organization_slug: str,
    recipient_name: str,
    recipient_email: str | None,
    title: str,
    issue_date: dt.date | str,
    expiry_date: dt.date | str | None,
    grade: str | None,
    metadata: dict | None,
) -> dict:
    """The normalized dict that :func:`content_hash` hashes (see the module docstring)."""
    canonical_id = normalize_credential_id(credential_id)
    if canonical_id is None or not is_valid_credential_id(canonical_id):
        raise ValueError(f"credential_id: {credential_id!r} is not a valid credential id")
    issued = _iso_date(issue_date, field="issue_date")
    if issued is None:
        raise ValueError("issue_date: required")
    email = _optional_text(recipient_email)
    return {
        "v": SCHEMA_VERSION,
        "credential_id": canonical_id,
        "organization": _required_text(organization_slug, field="organization_slug").lower(),
        "recipient_name": _required_text(recipient_name, field="recipient_name"),
        "recipient_email": email.lower() if email else None,
        "title": _required_text(title, field="title"),
        "issue_date": issued,
        "expiry_date": _iso_date(expiry_date, field="expiry_date"),
        "grade": _optional_text(grade),
        "metadata": _normalize_metadata(metadata or {}),
    }


def canonical_json(fields: dict) -> bytes:
    """The exact bytes that are hashed."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(fields: dict) -> str:
    """SHA-256 hex (64 lower-case characters) of :func:`canonical_json` of ``fields``."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()
