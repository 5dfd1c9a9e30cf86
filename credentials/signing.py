"""Signing as an organization: its current Ed25519 key (certificates' signing keys, rotated as
today) through the verification method of its did:web."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.api import signing_key_current
from core.crypto import decrypt_bytes
from organizations.models import Organization

from . import data_integrity
from .did_web import method_id


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime as the verifiers want it: YYYY-MM-DDTHH:MM:SSZ (UTC, no fraction)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_start(day: date) -> str:
    return timestamp(datetime.combine(day, time.min, tzinfo=UTC))


def day_end(day: date) -> str:
    return timestamp(datetime.combine(day, time(23, 59, 59), tzinfo=UTC))


def sign_as(organization: Organization, document: dict, *, created: datetime | None = None) -> dict:
    """The document with an eddsa-rdfc-2022 proof by the organization's current key."""
    key = signing_key_current(organization=organization)
    private_key = Ed25519PrivateKey.from_private_bytes(decrypt_bytes(key.private_key_encrypted))
    return data_integrity.sign(
        document,
        private_key=private_key,
        verification_method=method_id(organization, key),
        created=timestamp(created or datetime.now(UTC)),
    )
