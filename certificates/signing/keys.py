"""Ed25519 organization keys and the signed payload carried by a certificate's QR code.

Keys: each organization holds Ed25519 key pairs. The private key (raw 32 bytes) is stored only
encrypted with :func:`core.crypto.encrypt_bytes`; the public key is published as standard base64 of
its raw 32 bytes; ``key_id`` is the first 10 hex characters of SHA-256 over the raw public key.

QR text (full description with an example in ``docs/qr-payload.md``)::

    https://<site>/verify/<credential_id>/?p=<PAYLOAD>.<SIGNATURE>

* ``PAYLOAD``   = base32 (RFC 4648 alphabet, upper case, no ``=`` padding) of the payload bytes;
* payload bytes = ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
  UTF-8, with ``obj`` = ``{"v": 1, "c": credential_id, "n": recipient name, "t": title,
  "i": issue date, "e": expiry date or null, "h": content hash (hex), "k": key id, "o": org slug}``;
* ``SIGNATURE`` = base32 (same alphabet) of the 64-byte Ed25519 signature over the payload bytes.

Why base32 rather than base64url: its symbols all belong to the QR *alphanumeric* character set, so
:mod:`certificates.rendering.qr` encodes that part at 5.5 bits per character instead of 8; with one-letter
keys this keeps a typical certificate at QR version 15 (error correction M). The API of this module
uses readable names (:data:`QR_FIELDS`); the one-letter keys exist only on the wire.

Trust: :func:`verify_payload` only proves that the holder of ``kid`` signed these fields. Pass it
the keys of the organization that the registry says issued the credential id -- never keys looked
up from the payload's own ``org`` -- and compare the fields against the registry record.
"""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.lifecycle.credential_ids import normalize_credential_id
from core.crypto import decrypt_bytes, encrypt_bytes

PAYLOAD_VERSION = 1
SIGNATURE_LENGTH = 64
#: Readable field name -> one-letter wire key.
QR_FIELDS = {
    "cid": "c",
    "name": "n",
    "title": "t",
    "issued": "i",
    "expires": "e",
    "hash": "h",
    "kid": "k",
    "org": "o",
}
_REQUIRED_STR = ("cid", "name", "title", "issued", "hash", "kid", "org")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VERIFY_PATH = re.compile(r"/verify/([^/]+)/?$")
QR_TEXT_MAX_CHARS = 7_089  # the most any QR code holds (version 40, digits only)


class QRStatus(StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"  # not our format, truncated, or the URL and payload disagree
    UNKNOWN_KEY = "unknown_key"  # signed by a key that is not among the keys given
    BAD_SIGNATURE = "bad_signature"  # the fields or the signature were altered


class QRPayloadError(ValueError):
    """The text is not a well-formed CertVerify QR payload (the message says what is wrong)."""


@dataclass(frozen=True)
class ParsedQR:
    url: str  # scheme://host/path without the query; "" when a bare token was given
    credential_id: str
    fields: dict  # readable names (QR_FIELDS); NOT verified until verify_payload() says VALID
    payload_bytes: bytes
    signature: bytes
    key_id: str
    org: str
    token: str  # "<PAYLOAD>.<SIGNATURE>", what verify_payload() takes


# --- keys -------------------------------------------------------------------------------------------


def key_id_for(public_key_raw: bytes) -> str:
    return hashlib.sha256(public_key_raw).hexdigest()[:10]


def generate_keypair() -> tuple[bytes, str, str]:
    """A new Ed25519 key: (encrypted private key, public key as base64, key id)."""
    private_key = Ed25519PrivateKey.generate()
    private_raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return encrypt_bytes(private_raw), base64.b64encode(public_raw).decode("ascii"), key_id_for(public_raw)


def _load_public_key(public_key_b64: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
    except (binascii.Error, ValueError, TypeError):
        return None


# --- encoding ---------------------------------------------------------------------------------------


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _b32decode(text: str) -> bytes:
    if not text or not re.fullmatch(r"[A-Z2-7]+", text):
        raise QRPayloadError("payload is not base32")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:  # e.g. a length no encoder produces (truncation)
        raise QRPayloadError("payload is truncated or not base32") from exc


def _check_fields(fields: dict) -> None:
    """Raise QRPayloadError unless ``fields`` (readable names) have the types and shapes we sign."""
    if set(fields) != set(QR_FIELDS):
        raise QRPayloadError(f"expected fields {sorted(QR_FIELDS)}, got {sorted(fields)}")
    for name in _REQUIRED_STR:
        if not isinstance(fields[name], str) or not fields[name]:
            raise QRPayloadError(f"{name}: must be a non-empty string")
    if normalize_credential_id(fields["cid"]) != fields["cid"]:
        raise QRPayloadError("cid: not a canonical credential id")
    if not _HEX64.match(fields["hash"]):
        raise QRPayloadError("hash: must be 64 lower-case hex characters")
    for name in ("issued", "expires"):
        value = fields[name]
        if not (value is None and name == "expires") and not (
            isinstance(value, str) and _ISO_DATE.match(value)
        ):
            raise QRPayloadError(f"{name}: must be a YYYY-MM-DD date")


def _payload_bytes(fields: dict) -> bytes:
    wire = {QR_FIELDS[name]: value for name, value in fields.items()}
    wire["v"] = PAYLOAD_VERSION
    return json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _fields_from_payload(payload: bytes) -> dict:
    try:
        wire = json.loads(payload.decode("utf-8"))
    # A QR code holds JSON nested a thousand deep, which the parser answers with RecursionError.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise QRPayloadError("payload is not JSON") from exc
    if not isinstance(wire, dict) or wire.pop("v", None) != PAYLOAD_VERSION:
        raise QRPayloadError("payload has an unknown version")
    by_wire = {short: name for name, short in QR_FIELDS.items()}
    if set(wire) != set(by_wire):
        raise QRPayloadError("payload has missing or unknown keys")
    fields = {by_wire[short]: value for short, value in wire.items()}
    _check_fields(fields)
    return fields


# --- public API -------------------------------------------------------------------------------------


def qr_fields_from_canonical(canonical: dict, content_hash: str) -> dict:
    """The signable QR fields (without ``kid``) from :func:`certificates.lifecycle.hashing.canonical_fields`."""
    return {
        "cid": canonical["credential_id"],
        "name": canonical["recipient_name"],
        "title": canonical["title"],
        "issued": canonical["issue_date"],
        "expires": canonical["expiry_date"],
        "hash": content_hash,
        "org": canonical["organization"],
    }


def sign_payload(private_key_encrypted: bytes, fields: dict, key_id: str) -> str:
    """The token ``<PAYLOAD>.<SIGNATURE>`` for ``fields`` (readable names; ``kid`` is set from key_id)."""
    fields = {**fields, "kid": key_id}
    _check_fields(fields)
    payload = _payload_bytes(fields)
    private_key = Ed25519PrivateKey.from_private_bytes(decrypt_bytes(private_key_encrypted))
    return f"{_b32encode(payload)}.{_b32encode(private_key.sign(payload))}"


def _split_token(token: str) -> tuple[bytes, dict, bytes]:
    if not isinstance(token, str) or token.count(".") != 1:
        raise QRPayloadError("token must be <payload>.<signature>")
    payload_text, signature_text = token.strip().upper().split(".")
    payload, signature = _b32decode(payload_text), _b32decode(signature_text)
    if len(signature) != SIGNATURE_LENGTH:
        raise QRPayloadError("signature is truncated")
    return payload, _fields_from_payload(payload), signature


def verify_payload(token: str, public_keys: dict[str, str]) -> tuple[dict | None, QRStatus]:
    """Check a token's signature against ``public_keys`` ({key_id: public key base64}).

    Returns (fields, VALID) or (None, the reason). Never raises for bad input.
    """
    try:
        payload, fields, signature = _split_token(token)
    except QRPayloadError:
        return None, QRStatus.MALFORMED
    public_key_b64 = public_keys.get(fields["kid"])
    public_key = _load_public_key(public_key_b64) if public_key_b64 else None
    if public_key is None:
        return None, QRStatus.UNKNOWN_KEY
    try:
        public_key.verify(signature, payload)
    except InvalidSignature:
        return None, QRStatus.BAD_SIGNATURE
    return fields, QRStatus.VALID


def build_qr_text(site_url: str, fields: dict, private_key_encrypted: bytes, key_id: str) -> str:
    """The text to put in the QR: the public verify URL with the signed token in ``?p=``."""
    token = sign_payload(private_key_encrypted, fields, key_id)
    return f"{site_url.rstrip('/')}/verify/{fields['cid']}/?p={token}"


def _token_and_url(text: str) -> tuple[str, str, str | None]:
    """(token, url, credential id in the URL) from a QR text, or from a bare token."""
    if "://" not in text:
        return text, "", None
    parts = urlsplit(text)
    match = _VERIFY_PATH.search(parts.path)
    tokens = parse_qs(parts.query).get("p", [])
    if not match or len(tokens) != 1:
        raise QRPayloadError("not a CertVerify verify URL with a ?p= payload")
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return tokens[0], url, normalize_credential_id(match.group(1))


def parse_qr_text(text: str) -> ParsedQR:
    """Split a scanned QR text into its parts. Raises QRPayloadError (and only that) when malformed.

    The returned fields are unverified: call :func:`verify_payload` with ``parsed.token``.
    """
    if not isinstance(text, str):
        raise QRPayloadError("QR text must be a string")
    if len(text) > QR_TEXT_MAX_CHARS:
        raise QRPayloadError("longer than any QR code holds")
    token, url, url_cid = _token_and_url(text.strip())
    payload, fields, signature = _split_token(token)
    if url and url_cid != fields["cid"]:
        raise QRPayloadError("the credential id in the URL differs from the signed one")
    return ParsedQR(
        url=url,
        credential_id=fields["cid"],
        fields=fields,
        payload_bytes=payload,
        signature=signature,
        key_id=fields["kid"],
        org=fields["org"],
        token=token.strip().upper(),
    )


def verify_qr_text(text: str, public_keys: dict[str, str]) -> tuple[dict | None, QRStatus]:
    """Parse and verify a scanned QR text in one step; never raises for bad input."""
    try:
        parsed = parse_qr_text(text)
    except QRPayloadError:
        return None, QRStatus.MALFORMED
    return verify_payload(parsed.token, public_keys)
