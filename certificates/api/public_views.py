"""Anonymous endpoints: fast status check (cached as bytes), proof bundle, public keys."""

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import cache as public_cache
from certificates import selectors
from certificates.credential_ids import normalize_credential_id
from certificates.public import proof_bundle, public_record
from core.throttling import PublicLookupThrottle

from . import serializers as s


class PublicCertificateView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(responses=s.PublicCertificateSerializer)
    def get(self, request, credential_id):
        credential_id = normalize_credential_id(credential_id) or ""
        body = public_cache.get(credential_id) if credential_id else None
        if body is None:
            certificate = selectors.certificate_public_get_for_status(credential_id)
            body = json.dumps(public_record(certificate), default=str).encode()
            public_cache.put(credential_id, body)
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = "public, max-age=60"
        return response


class PublicProofView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(responses={200: dict})
    def get(self, request, credential_id):
        certificate = selectors.certificate_public_get(credential_id)
        return Response(proof_bundle(certificate))


class PublicKeysView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(responses={200: dict})
    def get(self, request, slug):
        keys = selectors.public_keys_for_organization(slug)
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
