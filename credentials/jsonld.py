"""JSON-LD for credentials: a document loader that serves only the contexts vendored in
credentials/contexts/ (never the network), RDF canonicalization, and the check that nothing is
dropped by expansion.

pyld has no safe mode: a term missing from the contexts is silently dropped when expanding, so
it would be left out of the signed data while the JavaScript verifiers (safe mode) reject the
credential. `assert_nothing_dropped` is called before signing and before verifying.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
# OB 3.0 documents also name the context by its unversioned and earlier URLs; same terms.
ALIASES = {
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": OB_V3,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": OB_V3,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": OB_V3,
}


class JsonLdError(ValueError):
    """The document cannot be processed as we sign it (unknown context, dropped terms, bad JSON-LD)."""


@cache
def _contexts() -> dict[str, dict]:
    index = json.loads((CONTEXT_DIR / "index.json").read_text())
    return {url: json.loads((CONTEXT_DIR / entry["file"]).read_text()) for url, entry in index.items()}


def known_context(url: str) -> bool:
    return ALIASES.get(url, url) in _contexts()


def document_loader(url: str, options=None) -> dict:
    document = _contexts().get(ALIASES.get(url, url))
    if document is None:
        raise jsonld.JsonLdError(f"context {url} is not served here", "jsonld.LoadDocumentError")
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _options() -> dict:
    return {"documentLoader": document_loader}


def canonize(document: dict) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0) as N-Quads."""
    try:
        return jsonld.normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", **_options()}
        )
    except jsonld.JsonLdError as exc:
        raise JsonLdError(f"not processable JSON-LD: {_root_message(exc)}") from exc


def expand(document: dict) -> list:
    try:
        return jsonld.expand(document, _options())
    except jsonld.JsonLdError as exc:
        raise JsonLdError(f"not processable JSON-LD: {_root_message(exc)}") from exc


def _root_message(exc: Exception) -> str:
    while getattr(exc, "cause", None) is not None:
        exc = exc.cause
    return str(exc).split("\n", 1)[0][:200]


MAX_NODES = 1000  # JSON objects in a document we canonicalize; a credential has a few dozen


def assert_bounded(document: dict) -> None:
    """Raise JsonLdError for a document whose canonicalization could be made expensive: too many
    nodes, or named blank nodes (`_:x` ids can tie nodes into the symmetric graphs on which RDF
    canonicalization is exponential; nested objects without ids form a tree, which is cheap)."""
    count, stack = 0, [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += 1
            for key, value in node.items():
                if key in ("id", "@id") and isinstance(value, str) and value.startswith("_:"):
                    raise JsonLdError("it names blank nodes, which signed credentials do not need")
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
        if count > MAX_NODES:
            raise JsonLdError(f"it has more than {MAX_NODES} objects")


def assert_nothing_dropped(document: dict) -> None:
    """Raise JsonLdError when expanding loses a value (a term the contexts do not define)."""
    given, kept = _compact_values(document), _expanded_values(expand(document))
    if kept != given:
        raise JsonLdError(
            f"{given - kept} value(s) are not defined by the document's contexts and would not be signed"
        )


def _compact_values(node) -> int:
    if isinstance(node, dict):
        return sum(_compact_values(value) for key, value in node.items() if key != "@context")
    if isinstance(node, list):
        return sum(_compact_values(item) for item in node)
    return 0 if node is None else 1


def _expanded_values(node) -> int:
    if isinstance(node, list):
        return sum(_expanded_values(item) for item in node)
    if not isinstance(node, dict):
        return 1
    if "@value" in node:
        value = node["@value"]
        return _compact_values(value) if node.get("@type") == "@json" else 1
    count = 0
    for key, value in node.items():
        if key == "@id":
            count += 1
        elif key == "@type":
            count += len(value) if isinstance(value, list) else 1
        elif key != "@index":
            count += _expanded_values(value)
    return count
