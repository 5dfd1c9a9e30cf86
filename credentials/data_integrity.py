"""Data Integrity proofs with Ed25519: sign eddsa-rdfc-2022; verify eddsa-rdfc-2022,
eddsa-jcs-2022 and Ed25519Signature2020.

For each, the signed bytes are SHA-256 of the canonical proof configuration (the proof without
`proofValue`, carrying the document's `@context`) followed by SHA-256 of the canonical document
without its proof; canonical means RDF canonicalization (N-Quads) or, for jcs, RFC 8785 JSON.
`proofValue` is ``z`` + base58btc of the 64-byte signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import jsonld
from .multikey import MultikeyError, b58encode, multibase_decode

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
ED25519_2020 = "Ed25519Signature2020"
SUPPORTED = f"DataIntegrityProof ({RDFC}, {JCS}) or {ED25519_2020}"


class ProofError(ValueError):
    """The proof is missing, malformed, of an unsupported kind, or does not verify (message says which)."""


@dataclass(frozen=True)
class CheckedProof:
    verification_method: str
    suite: str
    created: str | None


def _hash_data(document: dict, proof_config: dict, *, jcs: bool) -> bytes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if jcs:
        return (
            hashlib.sha256(rfc8785.dumps(proof_config)).digest()
            + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
        )
    jsonld.assert_bounded(unsecured)
    jsonld.assert_nothing_dropped(unsecured)
    return (
        hashlib.sha256(jsonld.canonize(proof_config).encode()).digest()
        + hashlib.sha256(jsonld.canonize(unsecured).encode()).digest()
    )


def sign(document: dict, *, private_key: Ed25519PrivateKey, verification_method: str, created: str) -> dict:
    """The document with an eddsa-rdfc-2022 DataIntegrityProof (assertionMethod) added."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": RDFC,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    data = _hash_data(document, {"@context": document["@context"], **proof}, jcs=False)
    return {**document, "proof": {**proof, "proofValue": "z" + b58encode(private_key.sign(data))}}


def _single_proof(document: dict) -> dict:
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("The credential carries no single proof (signature).")
    return proof


def _suite(proof: dict) -> str:
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") in (RDFC, JCS):
        return proof["cryptosuite"]
    if proof.get("type") == ED25519_2020:
        return ED25519_2020
    raise ProofError(f"The proof is of a kind we do not check; we check {SUPPORTED}.")


def _proof_config(document: dict, proof: dict, suite: str) -> dict:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if suite == JCS:
        if "@context" in config and config["@context"] != document.get("@context"):
            raise ProofError("The proof's @context differs from the credential's.")
    config.pop("@context", None)
    return {"@context": document.get("@context"), **config}


def verify(document: dict, *, public_key_for: Callable[[str], bytes]) -> CheckedProof:
    """Check the document's proof; `public_key_for(verification_method)` returns the raw public key
    authorised for assertions (or raises ProofError). Raises ProofError unless the signature holds."""
    proof = _single_proof(document)
    suite = _suite(proof)
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("The proof was not made for issuing (its purpose is not assertionMethod).")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("The proof names no signing key.")
    try:
        signature = multibase_decode(proof.get("proofValue"))
    except MultikeyError as exc:
        raise ProofError("The proof's signature is not in the expected encoding.") from exc
    try:
        data = _hash_data(document, _proof_config(document, proof, suite), jcs=suite == JCS)
    except jsonld.JsonLdError as exc:
        raise ProofError(f"The credential cannot be read as signed data: {exc}") from exc
    except (TypeError, ValueError) as exc:  # rfc8785 refuses floats it cannot represent, etc.
        raise ProofError(f"The credential cannot be canonicalized: {exc}"[:200]) from exc
    try:
        Ed25519PublicKey.from_public_bytes(public_key_for(method)).verify(signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise ProofError(
            "The signature does not match the content: the credential was changed after it was signed."
        ) from exc
    created = proof.get("created")
    return CheckedProof(method, suite, created if isinstance(created, str) else None)
