"""The certificate detail response, stated once: each field, the columns it reads, how it is written.

The serializer's field list, its fast ``to_representation`` and the detail selector's precompiled
read all derive from DETAIL_SHAPE, so adding a field is one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from rest_framework.fields import DateField, DateTimeField

_DATE_FIELD, _DATETIME_FIELD = DateField(), DateTimeField()  # stateless: shared by every thread

ANCHOR_FIELDS = ("status", "merkle_root", "chain_id", "tx_hash", "block_number", "confirmations", "error")
ORGANIZATION_COLUMNS = ("id", "name", "slug", "is_active", "verification_level")


def _str(value):
    return None if value is None else str(value)


def _int(value):
    return None if value is None else int(value)


def _date(value):
    return None if value is None else _DATE_FIELD.to_representation(value)


def _datetime(value):
    return None if value is None else _DATETIME_FIELD.to_representation(value)


def _anchor(c) -> dict | None:
    anchor = c.anchor
    if anchor is None:
        return None
    ints = {"chain_id", "block_number", "confirmations"}
    return {name: (_int if name in ints else _str)(getattr(anchor, name)) for name in ANCHOR_FIELDS}


def _supersedes(c) -> str | None:
    supersedes = c.supersedes
    return None if supersedes is None else _str(supersedes.credential_id)


# Absolute, like `url`: a client follows a link as given, wherever it received the response.
def image_url(c) -> str:
    return f"{settings.SITE_URL}/api/v1/certificates/{c.credential_id}/image/"


def pdf_url(c) -> str:
    return f"{settings.SITE_URL}/api/v1/certificates/{c.credential_id}/pdf/"


# (response field, certificate columns it reads, how its value is written)
DETAIL_SHAPE: tuple[tuple[str, tuple[str, ...], Callable], ...] = (
    ("credential_id", ("credential_id",), lambda c: _str(c.credential_id)),
    ("organization", ("organization_id",), lambda c: _str(c.organization.slug)),
    ("external_id", ("external_id",), lambda c: _str(c.external_id)),
    ("recipient_name", ("recipient_name",), lambda c: _str(c.recipient_name)),
    ("recipient_email", ("recipient_email",), lambda c: _str(c.recipient_email)),
    ("title", ("title",), lambda c: _str(c.title)),
    ("issue_date", ("issue_date",), lambda c: _date(c.issue_date)),
    ("expiry_date", ("expiry_date",), lambda c: _date(c.expiry_date)),
    ("grade", ("grade",), lambda c: _str(c.grade)),
    ("metadata", ("metadata",), lambda c: c.metadata),
    ("status", ("status", "expiry_date"), lambda c: _str(c.effective_status)),
    ("status_reason", ("status_reason",), lambda c: _str(c.status_reason)),
    ("status_changed_at", ("status_changed_at",), lambda c: _datetime(c.status_changed_at)),
    ("supersedes", ("supersedes_id",), _supersedes),
    ("content_hash", ("content_hash",), lambda c: _str(c.content_hash)),
    ("url", ("credential_id",), lambda c: _str(c.public_url)),
    ("image_url", ("credential_id",), image_url),
    ("pdf_url", ("credential_id",), pdf_url),
    ("anchor", ("anchor_id",), _anchor),
    ("merkle_proof", ("merkle_proof",), lambda c: c.merkle_proof),
    ("created_at", ("created_at",), lambda c: _datetime(c.created_at)),
)
DETAIL_FIELDS = [name for name, _columns, _write in DETAIL_SHAPE]
DETAIL_COLUMNS = frozenset({"id"}.union(*(columns for _name, columns, _write in DETAIL_SHAPE)))


def detail_representation(certificate) -> dict:
    return {name: write(certificate) for name, _columns, write in DETAIL_SHAPE}
