"""The platform key that signs verification reports, the canonical bytes it signs, and checking a
signature (format in docs/verification-report.md).

Key id: the first 16 hex characters of SHA-256 over the raw 32-byte public key. Every key that has
signed a report has a ReportSigningKey row, and every row is published, so old reports still verify
after REPORT_SIGNING_KEY is rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from core.crypto import decrypt_bytes, encrypt_bytes

from .report_models import ReportSigningKey

ALG = "Ed25519"


class CanonicalFormError(ValueError):
    """The value holds something the canonical form does not allow (a float, a non-string key)."""


def _check_canonical(value) -> None:
    if value is None or isinstance(value, (str, bool, int)):  # bool is an int; float is not
        return
    if isinstance(value, list):
        for item in value:
            _check_canonical(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalFormError("object keys must be strings")
            _check_canonical(item)
        return
    raise CanonicalFormError(f"{type(value).__name__} is not allowed in a report (format floats as strings)")


def canonical_bytes(value: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8 without escapes; only strings, ints, bools, null, lists, objects."""
    _check_canonical(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _configured_key() -> Ed25519PrivateKey | None:
    if not settings.REPORT_SIGNING_KEY:
        return None
    try:
        raw = base64.b64decode(settings.REPORT_SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("REPORT_SIGNING_KEY must be base64 of a raw 32-byte Ed25519 key.") from exc


def _record(private: Ed25519PrivateKey, *, keep_private: bool) -> ReportSigningKey:
    public = _raw_public(private)
    defaults = {"public_key": public}
    if keep_private:
        raw = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        defaults["private_key_encrypted"] = encrypt_bytes(raw)
    try:
        with transaction.atomic():
            row, _ = ReportSigningKey.objects.get_or_create(key_id=key_id_of(public), defaults=defaults)
    except IntegrityError:  # two first uses at once: the other one's row is the same key
        row = ReportSigningKey.objects.get(key_id=key_id_of(public))
    return row


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """(key id, private key) of the key reports are signed with now; recorded for publication."""
    configured = _configured_key()
    if configured is not None:
        return _record(configured, keep_private=False).key_id, configured
    stored = (
        ReportSigningKey.objects.filter(private_key_encrypted__isnull=False).order_by("created_at").first()
    )
    if stored is None:  # the embedded default's first report
        _record(Ed25519PrivateKey.generate(), keep_private=True)
        # Two first reports at once may each have made a key: both are published; use the oldest.
        stored = (
            ReportSigningKey.objects.filter(private_key_encrypted__isnull=False)
            .order_by("created_at")
            .first()
        )
    raw = decrypt_bytes(bytes(stored.private_key_encrypted))
    return stored.key_id, Ed25519PrivateKey.from_private_bytes(raw)


def sign(body: dict) -> dict:
    """The signature block for `body`: {"alg", "key_id", "value"}."""
    key_id, private = signing_key()
    return {"alg": ALG, "key_id": key_id, "value": b64url(private.sign(canonical_bytes(body)))}


def published_keys() -> list[dict]:
    """Every key that has signed reports (the current one first), as /api/v1/public/report-keys/ shows."""
    signing_key()  # so the current key is listed before it has signed anything
    keys = []
    for row in ReportSigningKey.objects.order_by("-created_at"):
        public = Ed25519PublicKey.from_public_bytes(bytes(row.public_key))
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        keys.append(
            {
                "key_id": row.key_id,
                "alg": ALG,
                "public_key": b64url(bytes(row.public_key)),
                "public_key_pem": pem.decode(),
                "created_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return keys


def signature_valid(body: dict, signature: dict) -> bool:
    """Whether `signature` is a published key's Ed25519 signature over `body`'s canonical bytes."""
    if not isinstance(signature, dict) or signature.get("alg") != ALG:
        return False
    key_id, value = signature.get("key_id"), signature.get("value")
    if not isinstance(key_id, str) or not isinstance(value, str):
        return False
    row = ReportSigningKey.objects.filter(key_id=key_id).first()
    if row is None:
        return False
    try:
        raw_signature = b64url_decode(value)
        if b64url(raw_signature) != value:  # one spelling only: unused low bits must be zero
            return False
        public = Ed25519PublicKey.from_public_bytes(bytes(row.public_key))
        public.verify(raw_signature, canonical_bytes(body))
    except (InvalidSignature, CanonicalFormError, binascii.Error, ValueError):
        return False
    return True
