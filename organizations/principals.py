"""The person behind a JWT, with their roles, from one cache read instead of two queries.

A JWT-authenticated request needs the user (is the account still active?) and, for every
tenancy check, their roles. Read from the database that is two ORM queries per request, about
half of a certificate detail's server CPU. So both live in one cache entry for
AUTH_CACHE_SECONDS, next to a generation key; a request reads the two in one round trip.

Invalidation. Every change that matters (the user row, a membership, an organization's
`is_active`) reaches `principal_invalidate` through the receivers in `receivers.py`, which
replaces the user's generation key with a fresh random value, now and again on commit. An entry
is used only while it carries the current generation, so an entry built from rows read before a
change committed is never served after it (the on-commit write happens after the commit), and a
deactivated account is refused by every process on its next request. Inactive users are never
cached. If the cache is unreachable nothing is cached and the database answers (IGNORE_EXCEPTIONS).

Only non-secret fields are cached (not the password hash or the TOTP secret) and only the ones a
`save()` keeps current; the rest are deferred and load from the database if some view reads them.
What is cached of the password is SimpleJWT's fingerprint of its hash (the value every access
token already carries in its `hash_password` claim), so a password change refuses the access
tokens issued before it (`authentication.CachedJWTAuthentication`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import Membership

CACHED_USER_FIELDS = (
    "id",
    "email",
    "full_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "email_verified",
    "totp_enabled",
    "date_joined",
    "last_login",
)
# Outlives every entry, so an entry can only meet the generation it was built under.
GENERATION_SECONDS = 24 * 3600


def _keys(user_id) -> tuple[str, str]:
    return f"principal:v2:{user_id}", f"principal-gen:{user_id}"  # v2: entries carry the fingerprint


def _field_names() -> list[str]:
    # Model.from_db takes the values in the model's field order.
    User = get_user_model()
    return [f.attname for f in User._meta.concrete_fields if f.attname in CACHED_USER_FIELDS]


def _build(values: tuple, roles: dict[int, str], password_fingerprint: str):
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, _field_names(), values)
    user._certverify_roles = roles
    user.password_fingerprint = password_fingerprint
    return user


def _load(user_id) -> tuple[tuple, dict[int, str], str] | None:
    found = get_user_model().objects.filter(pk=user_id).values_list("password", *_field_names()).first()
    if found is None:
        return None
    password, *row = found
    roles = dict(
        Membership.objects.filter(user_id=user_id, organization__is_active=True)
        .order_by()
        .values_list("organization_id", "role")
    )
    return tuple(row), roles, get_md5_hash_password(password)


def principal_get(*, user_id):
    """The user with this id (only the cached fields loaded), roles attached; None if no such user.

    The caller checks `is_active`.
    """
    seconds = settings.AUTH_CACHE_SECONDS
    if not seconds:
        loaded = _load(user_id)
        return _build(*loaded) if loaded else None
    key, generation_key = _keys(user_id)
    found = cache.get_many([key, generation_key])
    generation = found.get(generation_key)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return _build(*entry[1:])
    loaded = _load(user_id)
    if loaded is None:
        return None
    user = _build(*loaded)
    if user.is_active:
        cache.set(key, (generation, *loaded), seconds)
    return user


def principal_invalidate(*, user_ids) -> None:
    """Make every cached principal of these users stale, now and once the transaction commits."""
    user_ids = [pk for pk in user_ids if pk is not None]
    if not user_ids or not settings.AUTH_CACHE_SECONDS:
        return

    def bump() -> None:
        cache.set_many({_keys(pk)[1]: uuid.uuid4().hex for pk in user_ids}, GENERATION_SECONDS)

    bump()
    if connection.in_atomic_block:
        transaction.on_commit(bump)
