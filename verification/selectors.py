"""Who may see a verification: its requester (person, API key, or holder of the access token) and
the organization concerned (its certificate or its name was involved)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from organizations.access import Actor

from .models import VerificationRequest


def verifications_for_actor(actor: Actor) -> QuerySet[VerificationRequest]:
    condition = Q(organization_id__in=actor.organization_ids())
    if actor.user is not None:
        condition |= Q(requested_by=actor.user)
    if actor.api_key is not None:
        condition |= Q(api_key=actor.api_key)
    return VerificationRequest.objects.filter(condition).select_related("organization", "certificate")


def verification_get(actor: Actor, verification_id, *, token: str = "") -> VerificationRequest:
    """The verification if the actor may see it (or presents its access token); else 404."""
    try:
        verification = (
            VerificationRequest.objects.select_related("organization", "certificate")
            .prefetch_related("layers")
            .get(pk=verification_id)
        )
    # Only "no such row" and a malformed id are a 404; a database outage must surface (503).
    except (VerificationRequest.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such verification.") from None
    if access_token_matches(verification, token):
        return verification
    if actor.is_authenticated and verifications_for_actor(actor).filter(pk=verification.pk).exists():
        return verification
    raise Http404("No such verification.")


def access_token_matches(verification: VerificationRequest, token: str) -> bool:
    """Whether `token` is the verification's access token (the anonymous requester's key)."""
    return bool(token) and secrets.compare_digest(token.encode(), verification.access_token.encode())
