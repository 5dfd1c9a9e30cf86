"""`Authorization: Api-Key <key>` authenticates as an organization with the key's role."""

from __future__ import annotations

import copy
import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow

from .models import APIKey
from .principals import principal_get

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


@lru_cache(maxsize=1024)
def _verified(raw_token: bytes):
    """The token these exact bytes decode to, verified once per process (an invalid one raises,
    and exceptions are not cached). A signature either verifies against the server's key or not,
    every time; only the expiry changes with time, and it is checked again on every use."""
    return JWTAuthentication().get_validated_token(raw_token)


@receiver(setting_changed)
def _forget_verified_tokens(*, setting, **kwargs):
    if setting == "SIMPLE_JWT":  # a new key or audience: verify again
        _verified.cache_clear()


class CachedJWTAuthentication(JWTAuthentication):
    """`Authorization: Bearer <access token>`; the user and their roles come from `principals`
    (one cache read) instead of two queries. An inactive or vanished account is refused.

    A token is decoded and its signature checked once per process (`_verified`), not on every
    request: that was a tenth of a JWT-authenticated detail's server CPU.
    """

    def get_validated_token(self, raw_token):
        token = _verified(bytes(raw_token))
        now = aware_utcnow()
        try:
            token.check_exp(current_time=now)
        except TokenError as exc:  # refused as JWTAuthentication refuses an expired token
            message = {
                "token_class": type(token).__name__,
                "token_type": token.token_type,
                "message": exc.args[0],
            }
            raise InvalidToken(
                {"detail": "Given token not valid for any token type", "messages": [message]}
            ) from exc
        request_token = copy.copy(token)  # callers may read or change their own copy
        request_token.payload = dict(token.payload)
        request_token.current_time = now
        return request_token

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if not isinstance(user_id, int | str) or not str(user_id).isdigit():
            raise InvalidToken("Token contained no recognizable user identification")
        user = principal_get(user_id=int(user_id))
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        if (
            api_settings.CHECK_REVOKE_TOKEN
            and validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != user.password_fingerprint
        ):  # issued before the password changed
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        return user


class CachedJWTScheme(SimpleJWTScheme):
    target_class = "organizations.authentication.CachedJWTAuthentication"


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
