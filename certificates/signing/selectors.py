"""Signing-key reads: an organization's published public keys."""

from django.db.models import QuerySet

from certificates.models import SigningKey
from organizations.models import Organization


def public_keys_for_organization(slug: str) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(organization__slug=slug).order_by("-valid_from")


def signing_keys_for_organization(organization: Organization) -> QuerySet[SigningKey]:
    """An organization's keys, newest first (the caller has checked the actor's membership)."""
    return organization.signing_keys.order_by("-valid_from", "-id")
