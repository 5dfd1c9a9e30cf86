"""The public status lookup, cached as ready-to-send JSON bytes and invalidated on any change."""

from __future__ import annotations

from django.core.cache import cache

PUBLIC_TTL = 300


def key(credential_id: str) -> str:
    return f"public-cert:{credential_id}"


def get(credential_id: str) -> bytes | None:
    return cache.get(key(credential_id))


def put(credential_id: str, body: bytes) -> None:
    cache.set(key(credential_id), body, PUBLIC_TTL)


def invalidate(credential_id: str) -> None:
    cache.delete(key(credential_id))
