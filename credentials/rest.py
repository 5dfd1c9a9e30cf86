"""Anonymous API endpoints: a certificate's Open Badges credential, as JSON or baked into its PNG."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from certificates.api import certificate_public_get, certificate_render
from core.throttling import PublicLookupThrottle

from . import baking, open_badges
from .services import portable_credential_ensure

CREDENTIAL_MEDIA_TYPE = "application/vc+ld+json"


class _Public(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]


class PublicCredentialView(_Public):
    @extend_schema(
        responses={(200, CREDENTIAL_MEDIA_TYPE): dict},
        parameters=[OpenApiParameter("download", bool, description="Send as a file to save.")],
        description="The certificate as an Open Badges 3.0 verifiable credential (docs/credentials.md).",
    )
    def get(self, request, credential_id):
        certificate = certificate_public_get(credential_id)
        credential = open_badges.open_badge_credential(
            certificate, portable_credential_ensure(certificate=certificate)
        )
        response = HttpResponse(
            json.dumps(credential, ensure_ascii=False, indent=2), content_type=CREDENTIAL_MEDIA_TYPE
        )
        response["Cache-Control"] = "public, max-age=60"
        if request.query_params.get("download"):
            response["Content-Disposition"] = f'attachment; filename="{certificate.credential_id}.json"'
        return response


class PublicBakedBadgeView(_Public):
    @extend_schema(
        responses={(200, "image/png"): bytes},
        description="The certificate's PNG with its credential baked in (iTXt chunk openbadgecredential).",
    )
    def get(self, request, credential_id):
        certificate = certificate_public_get(credential_id)
        credential = open_badges.open_badge_credential(
            certificate, portable_credential_ensure(certificate=certificate)
        )
        if not certificate.image:
            certificate = certificate_render(certificate=certificate)
        with certificate.image.open("rb") as image:
            png = baking.bake(image.read(), credential)
        response = HttpResponse(png, content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="{certificate.credential_id}-badge.png"'
        response["Cache-Control"] = "public, max-age=60"
        return response
