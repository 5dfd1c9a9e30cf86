"""Blockcerts v3: each certificate as a Blockcerts document with a MerkleProof2019 proof.

Blockcerts' verifier (`@blockcerts/cert-verifier-js`) hashes the RDF-canonicalized document
(URDNA2015, N-Quads, without its `proof`), walks an *unprefixed* SHA-256 tree (MerkleTools style:
`node = sha256(left || right)`) and compares the root with the anchoring transaction's data. Our
own tree (merkle.py) is domain-separated, so Blockcerts documents get a tree of their own per
batch, anchored by a transaction of its own (an `Anchor` of kind `blockcerts`;
docs/proof-format.md section 6 says why).

The contexts are vendored in `contexts/` and the document loader serves only those, so hashing
never touches the network; pyld would silently drop a term missing from them, so we add the same
`@vocab` fallback the verifier adds and refuse a document in which any term falls back.

`proofValue` is what `@blockcerts/lds-merkle-proof-2019` decodes: `z` + base58btc of a CBOR
array of `[key, value]` pairs (keys: 0 merkleRoot, 1 targetHash, 2 anchors, 3 path), where every
hash is itself a CBOR byte string, wrapped again as a byte string; an anchor is
`[[0, 1 (eth)], [1, EIP-155 chain id], [2, cbor(tx hash bytes)]]` and a path step
`[0 (left) | 1 (right), cbor(sibling bytes)]`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyld import jsonld

VC_V1 = "https://www.w3.org/2018/credentials/v1"
BLOCKCERTS_V3 = "https://w3id.org/blockcerts/v3"
OPEN_BADGES_V2 = "https://w3id.org/openbadges/v2"
CONTEXT_FILES = {VC_V1: "credentials-v1.json", BLOCKCERTS_V3: "blockcerts-v3.json"}
CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
# cert-verifier-js appends this to the document's @context before hashing, so that a term no
# context defines shows up (as a fallback IRI) instead of vanishing; we do exactly the same.
FALLBACK_VOCAB = "http://fallback.org/"

ETHEREUM_CHAIN_CODE = 1  # the lds-merkle-proof-2019 keymap's code for "eth"
ROOT_KEYS = {"merkleRoot": 0, "targetHash": 1, "anchors": 2, "path": 3}
PATH_KEYS = {"left": 0, "right": 1}


class BlockcertsError(ValueError):
    """A document cannot be hashed (unknown context or unmapped term) or a proof is malformed."""


# --- JSON-LD ----------------------------------------------------------------------------------------


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """Serve only the vendored contexts; anything else is an error, never a network fetch."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(
            f"context {url} is not vendored (only {', '.join(CONTEXT_FILES)})",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": _context(url)}


def canonical_nquads(document: dict) -> str:
    """URDNA2015 N-Quads of `document` without its proof, as the Blockcerts verifier computes them.

    Raises BlockcertsError when a term is defined by no context (it would be unsigned here and
    rejected by the verifier)."""
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    contexts = list(unsigned.get("@context") or [])
    if not any(isinstance(c, dict) and "@vocab" in c for c in contexts):
        contexts.append({"@vocab": FALLBACK_VOCAB})
    unsigned["@context"] = contexts
    try:
        nquads = jsonld.normalize(
            unsigned,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader},
        )
    except jsonld.JsonLdError as exc:
        raise BlockcertsError(f"the document cannot be canonicalized: {_innermost(exc)}") from exc
    unmapped = sorted(
        {line.split(f"<{FALLBACK_VOCAB}", 1)[1].split(">", 1)[0] for line in _fallbacks(nquads)}
    )
    if unmapped:
        raise BlockcertsError(f"terms not defined by the document's contexts: {', '.join(unmapped)}")
    return nquads


def _innermost(exc: Exception) -> str:
    """pyld wraps the loader's error several times; the innermost message says what went wrong."""
    while isinstance(inner := getattr(exc, "cause", None) or exc.__cause__, Exception):
        exc = inner
    return str(exc.args[0] if exc.args else exc)


def _fallbacks(nquads: str) -> list[str]:
    return [line for line in nquads.splitlines() if f"<{FALLBACK_VOCAB}" in line]


def document_hash(document: dict) -> str:
    """The Blockcerts target hash: hex SHA-256 of the canonical N-Quads (UTF-8)."""
    return hashlib.sha256(canonical_nquads(document).encode("utf-8")).hexdigest()


# --- the unprefixed tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockcertsTree:
    """MerkleTools-style tree: `node = sha256(left || right)` on raw bytes, no prefixes; an odd
    last node is promoted unchanged (so, as in merkle.py, it adds no step to the paths beneath)."""

    levels: tuple[tuple[bytes, ...], ...]

    @property
    def root(self) -> str:
        return self.levels[-1][0].hex()

    def path(self, index: int) -> list[dict[str, str]]:
        """Steps from leaf `index` up, in the verifier's shape: `[{"left": hex} | {"right": hex}]`."""
        steps = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                steps.append({"left" if sibling < index else "right": level[sibling].hex()})
            index //= 2
        return steps


def build_tree(target_hashes: list[str]) -> BlockcertsTree:
    if not target_hashes:
        raise BlockcertsError("cannot build a tree over no documents")
    level = tuple(bytes.fromhex(h) for h in target_hashes)
    levels = [level]
    while len(level) > 1:
        pairs = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = tuple(pairs)
        levels.append(level)
    return BlockcertsTree(tuple(levels))


def root_from_path(target_hash: str, path: list[dict[str, str]]) -> str:
    """Walk `path` up from `target_hash` exactly as cert-verifier-js's checkReceipt does."""
    current = bytes.fromhex(target_hash)
    for step in path:
        if "left" in step:
            current = hashlib.sha256(bytes.fromhex(step["left"]) + current).digest()
        elif "right" in step:
            current = hashlib.sha256(current + bytes.fromhex(step["right"])).digest()
        else:
            raise BlockcertsError(f"a path step is left or right, not {step!r}")
    return current.hex()


# --- proofValue: multibase base58btc of CBOR ----------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _unbase58(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58:
            raise BlockcertsError(f"not base58btc: {char!r}")
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise BlockcertsError("integer too large for CBOR")


def _cbor(value) -> bytes:
    """The CBOR subset MerkleProof2019 uses: integers, byte strings, arrays."""
    if isinstance(value, bool):
        raise BlockcertsError("booleans are not used in MerkleProof2019")
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor(item) for item in value)
    raise BlockcertsError(f"cannot CBOR-encode {type(value).__name__}")


def _uncbor(data: bytes, at: int = 0):
    """Decode one CBOR item (the same subset) at `at`; returns (value, next offset)."""
    try:
        major, info = data[at] >> 5, data[at] & 31
        at += 1
        if info < 24:
            length = info
        elif info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            length, at = int.from_bytes(data[at : at + size], "big"), at + size
        else:
            raise BlockcertsError("unsupported CBOR length")
        if major == 0:
            return length, at
        if major == 1:
            return -1 - length, at
        if major == 2:
            if at + length > len(data):
                raise BlockcertsError("truncated CBOR byte string")
            return data[at : at + length], at + length
        if major == 4:
            items = []
            for _ in range(length):
                item, at = _uncbor(data, at)
                items.append(item)
            return items, at
    except IndexError as exc:
        raise BlockcertsError("truncated CBOR") from exc
    raise BlockcertsError(f"unsupported CBOR major type {major}")


def _wrapped(hex_value: str) -> bytes:
    return _cbor(bytes.fromhex(hex_value.removeprefix("0x")))


def encode_proof_value(
    *, merkle_root: str, target_hash: str, chain_id: int, tx_hash: str, path: list[dict[str, str]]
) -> str:
    anchor = [[0, ETHEREUM_CHAIN_CODE], [1, chain_id], [2, _wrapped(tx_hash)]]
    pairs = [
        [ROOT_KEYS["merkleRoot"], _wrapped(merkle_root)],
        [ROOT_KEYS["targetHash"], _wrapped(target_hash)],
        [ROOT_KEYS["anchors"], [anchor]],
    ]
    if path:
        steps = [[PATH_KEYS[side], _wrapped(value)] for step in path for side, value in step.items()]
        pairs.append([ROOT_KEYS["path"], steps])
    return "z" + _base58(_cbor(pairs))


def decode_proof_value(proof_value: str) -> dict:
    """The inverse of encode_proof_value, in the JSON shape the verifier decodes to."""
    if not proof_value.startswith("z"):
        raise BlockcertsError("proofValue must be multibase base58btc (start with 'z')")
    pairs, _ = _uncbor(_unbase58(proof_value[1:]))
    names = {v: k for k, v in ROOT_KEYS.items()}
    sides = {v: k for k, v in PATH_KEYS.items()}
    out: dict = {}
    for key, value in pairs:
        name = names[key]
        if name == "anchors":
            out[name] = [_blink(anchor) for anchor in value]
        elif name == "path":
            out[name] = [{sides[side]: _uncbor(raw)[0].hex()} for side, raw in value]
        else:
            out[name] = _uncbor(value)[0].hex()
    return out


def _blink(anchor: list) -> str:
    parts = {index: value for index, value in anchor}
    chain = "eth" if parts.get(0) == ETHEREUM_CHAIN_CODE else str(parts.get(0))
    return f"blink:{chain}:{parts.get(1)}:{_uncbor(parts[2])[0].hex()}"


# --- documents ---------------------------------------------------------------------------------------


def _datetime(value) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` (a date is its midnight UTC), the only form the verifier accepts."""
    if hasattr(value, "hour"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def issuer_profile_url(site_url: str, organization_slug: str) -> str:
    return f"{site_url}/organizations/{organization_slug}/blockcerts-issuer.json"


def unsigned_document(
    *,
    site_url: str,
    organization_slug: str,
    credential_id: str,
    recipient_name: str,
    title: str,
    issue_date,
    expiry_date=None,
    grade: str = "",
    content_hash: str,
) -> dict:
    """The Blockcerts v3 document of one certificate, as it is hashed (no proof).

    Never the recipient's e-mail. `metadata` (a JSON string, as Blockcerts defines it) carries
    the credential id, the grade and our content hash, which ties the document to the
    certificate's entry in CertVerify's own tree (docs/proof-format.md section 6)."""
    metadata = {"credentialId": credential_id, "contentHash": content_hash}
    if grade:
        metadata["grade"] = grade
    document = {
        "@context": [VC_V1, BLOCKCERTS_V3],
        "id": f"{site_url}/verify/{credential_id}/",
        "type": ["VerifiableCredential", "BlockcertsCredential"],
        "issuer": issuer_profile_url(site_url, organization_slug),
        "issuanceDate": _datetime(issue_date),
        "name": title,
        "credentialSubject": {"name": recipient_name, "claim": {"name": title}},
        "metadata": json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }
    if expiry_date:
        document["expirationDate"] = _datetime(expiry_date)
    return document


def signed_document(document: dict, *, proof_value: str, created, verification_method: str) -> dict:
    return {
        **document,
        "proof": {
            "type": "MerkleProof2019",
            "created": _datetime(created),
            "proofValue": proof_value,
            "proofPurpose": "assertionMethod",
            "verificationMethod": verification_method,
        },
    }
