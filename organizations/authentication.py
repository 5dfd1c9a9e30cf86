"""`Authorization: Api-Key <key>` authenticates as an organization with the key's role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import APIKey

KEY_PREFIX = "cvk"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class APIKeyUser:
    """Stands in for request.user when a machine calls: authenticated, but not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: APIKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_key() -> tuple[str, str, str]:
    """Return (full key shown once, prefix, hash). Format: cvk_<prefix>_<secret>."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    full = f"{KEY_PREFIX}_{prefix}_{secret}"
    return full, prefix, hash_secret(full)


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        key = header[len(self.keyword) + 1 :].strip()
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        api_key = (
            APIKey.objects.select_related("organization")
            .filter(prefix=parts[1], revoked_at__isnull=True, organization__is_active=True)
            .first()
        )
        if api_key is None or not secrets.compare_digest(api_key.key_hash, hash_secret(key)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        now = timezone.now()
        # Writing on every request would serialize hot API traffic on one row.
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            APIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return APIKeyUser(api_key), api_key

    def authenticate_header(self, request):
        return self.keyword


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "organizations.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key cvk_<prefix>_<secret>`",
        }
