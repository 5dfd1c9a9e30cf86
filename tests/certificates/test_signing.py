import base64
import hashlib
import json

import pytest

from certificates.lifecycle.credential_ids import new_credential_id
from certificates.signing.keys import (
    QRPayloadError,
    QRStatus,
    build_qr_text,
    generate_keypair,
    parse_qr_text,
    sign_payload,
    verify_payload,
    verify_qr_text,
)
from core.crypto import decrypt_bytes

SITE = "https://certverify.example.com"


@pytest.fixture(scope="module")
def key():
    return generate_keypair()


@pytest.fixture(scope="module")
def other_key():
    return generate_keypair()


@pytest.fixture
def fields():
    return {
        "cid": new_credential_id(),
        "name": "Zoë Ødegård-Nakamura",
        "title": "Data Analytics Fundamentals",
        "issued": "2025-01-15",
        "expires": None,
        "hash": hashlib.sha256(b"certificate").hexdigest(),
        "org": "acme-academy",
    }


def _b32decode(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _tampered(token: str, wire_key: str, value) -> str:
    """The token with one field of the signed JSON changed and the original signature kept."""
    payload_text, signature_text = token.split(".")
    wire = json.loads(_b32decode(payload_text))
    wire[wire_key] = value
    payload = json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b32encode(payload)}.{signature_text}"


def test_generated_key_is_stored_encrypted_and_identified_by_its_fingerprint(key):
    private_encrypted, public_b64, key_id = key
    private_raw = decrypt_bytes(private_encrypted)
    public_raw = base64.b64decode(public_b64)
    assert len(private_raw) == 32 and len(public_raw) == 32
    assert private_raw not in private_encrypted
    assert key_id == hashlib.sha256(public_raw).hexdigest()[:10]


def test_signed_payload_verifies_and_returns_the_fields(key, fields):
    private_encrypted, public_b64, key_id = key
    token = sign_payload(private_encrypted, fields, key_id)
    verified, status = verify_payload(token, {key_id: public_b64})
    assert status == QRStatus.VALID
    assert verified == {**fields, "kid": key_id}


def test_payload_is_the_documented_base32_compact_json(key, fields):
    private_encrypted, _, key_id = key
    payload_text, signature_text = sign_payload(private_encrypted, fields, key_id).split(".")
    payload = _b32decode(payload_text)
    wire = json.loads(payload)
    assert payload == json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert wire == {
        "v": 1,
        "c": fields["cid"],
        "n": fields["name"],
        "t": fields["title"],
        "i": "2025-01-15",
        "e": None,
        "h": fields["hash"],
        "k": key_id,
        "o": "acme-academy",
    }
    assert len(_b32decode(signature_text)) == 64


@pytest.mark.parametrize(
    "wire_key, value",
    [
        ("c", "CV-0000-0000-0000-0000-0"),
        ("n", "Zoe Odegard-Nakamura"),
        ("t", "Data Analytics Advanced"),
        ("i", "2025-01-16"),
        ("e", "2030-01-01"),
        ("h", hashlib.sha256(b"forged").hexdigest()),
        ("o", "evil-academy"),
    ],
)
def test_altering_any_signed_field_breaks_the_signature(key, fields, wire_key, value):
    private_encrypted, public_b64, key_id = key
    token = _tampered(sign_payload(private_encrypted, fields, key_id), wire_key, value)
    assert verify_payload(token, {key_id: public_b64}) == (None, QRStatus.BAD_SIGNATURE)


def test_altering_the_key_id_makes_the_key_unknown(key, fields):
    private_encrypted, public_b64, key_id = key
    token = _tampered(sign_payload(private_encrypted, fields, key_id), "k", "0123456789")
    assert verify_payload(token, {key_id: public_b64}) == (None, QRStatus.UNKNOWN_KEY)


def test_signature_by_another_key_under_the_same_id_fails(key, other_key, fields):
    private_encrypted, _, key_id = key
    _, other_public_b64, _ = other_key
    token = sign_payload(private_encrypted, fields, key_id)
    assert verify_payload(token, {key_id: other_public_b64}) == (None, QRStatus.BAD_SIGNATURE)


def test_payload_from_a_key_not_given_is_unknown(key, other_key, fields):
    private_encrypted, _, key_id = key
    _, other_public_b64, other_key_id = other_key
    token = sign_payload(private_encrypted, fields, key_id)
    assert verify_payload(token, {other_key_id: other_public_b64}) == (None, QRStatus.UNKNOWN_KEY)


def test_verification_picks_the_right_key_among_rotated_ones(key, other_key, fields):
    old_private, old_public, old_id = key
    _, new_public, new_id = other_key
    token = sign_payload(old_private, fields, old_id)
    verified, status = verify_payload(token, {new_id: new_public, old_id: old_public})
    assert status == QRStatus.VALID and verified["kid"] == old_id


def test_qr_text_is_the_verify_url_with_the_token(key, fields):
    private_encrypted, public_b64, key_id = key
    text = build_qr_text(SITE + "/", fields, private_encrypted, key_id)
    assert text.startswith(f"{SITE}/verify/{fields['cid']}/?p=")
    parsed = parse_qr_text(text)
    assert parsed.url == f"{SITE}/verify/{fields['cid']}/"
    assert parsed.credential_id == fields["cid"]
    assert parsed.key_id == key_id and parsed.org == "acme-academy"
    assert parsed.fields == {**fields, "kid": key_id}
    assert len(parsed.signature) == 64
    assert verify_payload(parsed.token, {key_id: public_b64}) == (parsed.fields, QRStatus.VALID)
    assert verify_qr_text(text, {key_id: public_b64})[1] == QRStatus.VALID


def test_every_truncation_of_a_qr_text_is_a_parse_error_not_a_crash(key, fields):
    private_encrypted, public_b64, key_id = key
    text = build_qr_text(SITE, fields, private_encrypted, key_id)
    for length in range(len(text)):
        with pytest.raises(QRPayloadError):
            parse_qr_text(text[:length])
        assert verify_qr_text(text[:length], {key_id: public_b64}) == (None, QRStatus.MALFORMED)


@pytest.mark.parametrize(
    "garbage",
    ["", "hello", "https://example.com/", "https://x/verify/CV-1/?p=AAAA.BBBB", "A.B.C", "!!!.???", 17, None],
)
def test_garbage_is_malformed(garbage):
    with pytest.raises(QRPayloadError):
        parse_qr_text(garbage)
    assert verify_payload(garbage, {}) == (None, QRStatus.MALFORMED)
    assert verify_qr_text(garbage, {}) == (None, QRStatus.MALFORMED)


def test_url_credential_id_must_match_the_signed_one(key, fields):
    private_encrypted, public_b64, key_id = key
    text = build_qr_text(SITE, fields, private_encrypted, key_id)
    swapped = text.replace(fields["cid"], new_credential_id(), 1)
    with pytest.raises(QRPayloadError, match="differs"):
        parse_qr_text(swapped)
    assert verify_qr_text(swapped, {key_id: public_b64}) == (None, QRStatus.MALFORMED)


def test_url_credential_id_may_be_typed_in_lower_case(key, fields):
    private_encrypted, _, key_id = key
    text = build_qr_text(SITE, fields, private_encrypted, key_id)
    lowered = text.replace(fields["cid"], fields["cid"].lower(), 1)
    assert parse_qr_text(lowered).credential_id == fields["cid"]


def test_bare_token_parses_without_url(key, fields):
    private_encrypted, _, key_id = key
    token = sign_payload(private_encrypted, fields, key_id)
    parsed = parse_qr_text(token)
    assert parsed.url == "" and parsed.token == token


@pytest.mark.parametrize(
    "changes",
    [{"hash": "not-a-hash"}, {"issued": "15.01.2025"}, {"name": ""}, {"cid": "CV-123"}, {"extra": 1}],
)
def test_signing_refuses_fields_it_could_not_verify_later(key, fields, changes):
    private_encrypted, _, key_id = key
    with pytest.raises(QRPayloadError):
        sign_payload(private_encrypted, {**fields, **changes}, key_id)
