"""Issuers as DIDs: our organizations' did:web documents, and resolving anyone's did:key or did:web.

An organization is ``did:web:<site host>:organizations:<slug>`` (a port in the host is written
``%3A``), so its document is at ``<SITE_URL>/organizations/<slug>/did.json``. It lists, as
Multikey verification methods, every key the organization ever signed with (rotated-out keys
stay, so credentials signed before a rotation keep verifying), all usable for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.core.cache import cache

from certificates.models import SigningKey
from core import safe_http
from organizations.models import Organization

from .multikey import MultikeyError, did_key_document, public_key_multibase

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
MAX_DID_DOCUMENT_BYTES = 256 * 1024
RESOLVE_CACHE_SECONDS = 300


class ResolutionError(ValueError):
    """The DID cannot be resolved (unsupported method, unreachable, refused, or malformed)."""


def _site_did_prefix() -> str:
    parts = urlsplit(settings.SITE_URL)
    segments = [quote(parts.netloc, safe="")] + [quote(seg, safe="") for seg in parts.path.split("/") if seg]
    return "did:web:" + ":".join(segments)


def organization_did(organization: Organization) -> str:
    return f"{_site_did_prefix()}:organizations:{organization.slug}"


def organization_url(organization: Organization, tail: str) -> str:
    return f"{settings.SITE_URL}/organizations/{organization.slug}/{tail}"


def method_id(organization: Organization, key: SigningKey) -> str:
    return f"{organization_did(organization)}#{key.key_id}"


def multibase_of(key: SigningKey) -> str:
    return public_key_multibase(base64.b64decode(key.public_key_b64))


def did_document(organization: Organization) -> dict:
    did = organization_did(organization)
    keys = SigningKey.objects.filter(organization=organization).order_by("valid_from")
    methods = [
        {
            "id": f"{did}#{key.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multibase_of(key),
        }
        for key in keys
    ]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        "service": [
            {
                "id": f"{did}#open-badges-profile",
                "type": "LinkedDomains",
                "serviceEndpoint": organization_url(organization, "profile.json"),
            }
        ],
    }


def own_organization_slug(did: str) -> str | None:
    """The slug when `did` is one of our organizations' DIDs, else None."""
    prefix = f"{_site_did_prefix()}:organizations:"
    if did.startswith(prefix) and ":" not in did[len(prefix) :]:
        return did[len(prefix) :]
    return None


def did_web_url(did: str) -> str:
    """Where a did:web's document lives (the did:web method's transformation)."""
    segments = [unquote(seg) for seg in did.removeprefix("did:web:").split(":")]
    if not segments[0] or any("/" in seg for seg in segments):
        raise ResolutionError(f"{did} is not a valid did:web.")
    path = "/".join(segments[1:]) + "/did.json" if len(segments) > 1 else ".well-known/did.json"
    scheme = "https" if settings.CREDENTIALS_FETCH_REQUIRE_HTTPS else "http"
    return f"{scheme}://{segments[0]}/{path}"


def fetch_json(url: str, *, max_bytes: int, cache_seconds: int) -> dict:
    """GET a JSON object through the SSRF guard, cached; ResolutionError when that fails."""
    cache_key = "credentials:fetch:" + hashlib.sha256(url.encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        fetched = safe_http.get(
            url,
            require_https=settings.CREDENTIALS_FETCH_REQUIRE_HTTPS,
            allow_loopback=settings.CREDENTIALS_FETCH_ALLOW_LOOPBACK,
            caller="credential checks",
            max_bytes=max_bytes + 1,
            connect_timeout=settings.CREDENTIALS_FETCH_TIMEOUT,
            deadline=settings.CREDENTIALS_FETCH_TIMEOUT,
        )
    except (safe_http.UnsafeURL, OSError) as exc:
        raise ResolutionError(f"{url} could not be fetched: {exc}") from exc
    if fetched.status_code != 200 or len(fetched.body) > max_bytes:
        raise ResolutionError(f"{url} answered {fetched.status_code} or was too large.")
    try:
        document = json.loads(fetched.body)
    except (ValueError, RecursionError) as exc:
        raise ResolutionError(f"{url} did not return JSON.") from exc
    if not isinstance(document, dict):
        raise ResolutionError(f"{url} did not return a JSON object.")
    cache.set(cache_key, document, cache_seconds)
    return document


def resolve(did: str) -> dict:
    """The DID document of a did:key, one of our organizations, or any did:web."""
    if did.startswith("did:key:"):
        try:
            return did_key_document(did)
        except MultikeyError as exc:
            raise ResolutionError(f"{did} is not an Ed25519 did:key.") from exc
    slug = own_organization_slug(did)
    if slug is not None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise ResolutionError(f"No organization here has the DID {did}.")
        return did_document(organization)
    if did.startswith("did:web:"):
        document = fetch_json(
            did_web_url(did), max_bytes=MAX_DID_DOCUMENT_BYTES, cache_seconds=RESOLVE_CACHE_SECONDS
        )
        if document.get("id") != did:
            raise ResolutionError(f"The document fetched for {did} names another DID.")
        return document
    raise ResolutionError("Only did:key and did:web issuers can be checked.")
