"""Anonymous endpoints: fast status check (cached as bytes), proof bundle, public keys."""

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.lifecycle.credential_ids import normalize_credential_id
from certificates.public_status import cache as public_cache
from certificates.public_status import selectors as public_selectors
from certificates.public_status import serializers as s
from certificates.public_status.record import proof_bundle
from certificates.signing import selectors as signing_selectors
from core.throttling import PublicLookupThrottle, count_hit_and_get


class PublicStatusThrottle(PublicLookupThrottle):
    """The public lookup throttle, which also fetches the cached status in its Redis round trip."""

    def count(self, request, view, key, window):
        credential_id = normalize_credential_id(view.kwargs.get("credential_id", ""))
        if not credential_id:
            return super().count(request, view, key, window)
        current, previous, cached = count_hit_and_get(
            key, window, self.duration, public_cache.key(credential_id)
        )
        request.public_status_cached = (credential_id, cached)
        return current, previous


class PublicCertificateView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicStatusThrottle]

    @extend_schema(responses=s.PublicCertificateSerializer)
    def get(self, request, credential_id):
        credential_id = normalize_credential_id(credential_id)
        if not credential_id:
            raise Http404("No certificate has this id.")
        body = self._cached(request, credential_id)
        if body == public_cache.MISSING:
            raise Http404("No certificate has this id.")
        if body is None:
            body = self._build(credential_id)
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = "public, max-age=60"
        return response

    @staticmethod
    def _cached(request, credential_id: str) -> bytes | None:
        fetched_for, value = getattr(request, "public_status_cached", (None, None))
        if fetched_for != credential_id:  # throttling off (no rate): read the cache on its own
            return public_cache.get(credential_id)
        return public_cache.usable(value)

    @staticmethod
    def _build(credential_id: str) -> bytes:
        body = public_selectors.public_record_build(credential_id)
        if body is None:
            raise Http404("No certificate has this id.")
        return body


class PublicProofView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(responses={200: dict})
    def get(self, request, credential_id):
        certificate = public_selectors.certificate_public_get(credential_id)
        return Response(proof_bundle(certificate))


class PublicKeysView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(responses={200: dict})
    def get(self, request, slug):
        keys = signing_selectors.public_keys_for_organization(slug)
        return Response(
            {
                "organization": slug,
                "algorithm": "Ed25519",
                "keys": [
                    {
                        "key_id": k.key_id,
                        "public_key": k.public_key_b64,
                        "valid_from": k.valid_from,
                        "valid_until": k.valid_until,
                    }
                    for k in keys
                ],
            }
        )
