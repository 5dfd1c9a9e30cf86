"""Ed25519 public keys as Multikey (`z6Mk…`) and did:key, and the base58btc they are written in.

A public key multibase is ``z`` + base58btc of the multicodec prefix ``0xed01`` and the raw 32-byte
key; a did:key is ``did:key:`` + that multibase, and its one key's id is ``<did>#<multibase>``.
"""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}
ED25519_PREFIX = b"\xed\x01"
MAX_BASE58_CHARS = 200  # a key is 48 characters, a signature 88: bounds the quadratic decode


class MultikeyError(ValueError):
    """Not a base58btc multibase Ed25519 key or signature."""


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, remainder = divmod(number, 58)
        out = ALPHABET[remainder] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def b58decode(text: str) -> bytes:
    if not isinstance(text, str) or len(text) > MAX_BASE58_CHARS:
        raise MultikeyError("not a short base58 string")
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultikeyError("not base58btc")
        number = number * 58 + _INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + body


def multibase_decode(text: str) -> bytes:
    """Bytes of a ``z``-prefixed (base58btc) multibase string."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MultikeyError("multibase must start with z (base58btc)")
    return b58decode(text[1:])


def public_key_multibase(raw: bytes) -> str:
    return "z" + b58encode(ED25519_PREFIX + raw)


def public_key_from_multibase(text: str) -> bytes:
    """The raw 32-byte Ed25519 key in a ``z6Mk…`` multibase; MultikeyError for anything else."""
    data = multibase_decode(text)
    if not data.startswith(ED25519_PREFIX) or len(data) != 34:
        raise MultikeyError("not an Ed25519 public key multibase")
    return data[2:]


def did_key(raw: bytes) -> str:
    return "did:key:" + public_key_multibase(raw)


def did_key_document(did: str) -> dict:
    """The DID document of a did:key (it is derived from the identifier itself)."""
    multibase = did.removeprefix("did:key:")
    public_key_from_multibase(multibase)
    method_id = f"{did}#{multibase}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "assertionMethod": [method_id],
        "authentication": [method_id],
    }
