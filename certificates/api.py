"""The certificates app's Python face for other apps.

`fraud` and `verification` import from here (and model classes from `certificates.models`),
never from the concept subpackages, so those can move without touching their callers.
"""

from certificates.anchoring.chain import ChainError, get_chain_client
from certificates.anchoring.merkle import verify_proof
from certificates.lifecycle.credential_ids import (
    credential_id_repairs,
    is_valid_credential_id,
    normalize_credential_id,
)
from certificates.lifecycle.hashing import content_hash
from certificates.public_status.narrowing import register as public_record_narrower_register
from certificates.public_status.record import public_record
from certificates.public_status.selectors import certificate_public_get, public_record_body
from certificates.public_status.services import public_status_changed
from certificates.public_status.signals import public_status_changed_signal
from certificates.rendering.phash import phash_bits
from certificates.rendering.qr import read_qr_texts
from certificates.rendering.services import certificate_render
from certificates.signing.keys import QRPayloadError, QRStatus, parse_qr_text, verify_payload
from certificates.signing.services import signing_key_current

__all__ = [
    "ChainError",
    "QRPayloadError",
    "QRStatus",
    "certificate_public_get",
    "certificate_render",
    "content_hash",
    "credential_id_repairs",
    "get_chain_client",
    "is_valid_credential_id",
    "normalize_credential_id",
    "parse_qr_text",
    "phash_bits",
    "public_record",
    "public_record_narrower_register",
    "public_status_changed",
    "public_record_body",
    "public_status_changed_signal",
    "read_qr_texts",
    "signing_key_current",
    "verify_payload",
    "verify_proof",
]
