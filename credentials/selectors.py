"""Public reads: the credential of a certificate, an organization's DID and profile, a status list."""

from __future__ import annotations

from django.http import Http404

from certificates.api import certificate_public_get
from organizations.models import Organization

from . import open_badges, status_lists
from .models import StatusList
from .services import portable_credential_ensure


def credential_for(credential_id: str) -> dict:
    """The signed OpenBadgeCredential of a certificate (404 when nobody issued the id)."""
    certificate = certificate_public_get(credential_id)
    return open_badges.open_badge_credential(certificate, portable_credential_ensure(certificate=certificate))


def organization_public_get(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise Http404("No organization has this name.")
    return organization


def status_list_credential(slug: str, purpose: str, number: int) -> dict:
    status_list = (
        StatusList.objects.select_related("organization")
        .filter(organization__slug=slug, purpose=purpose, number=number)
        .first()
    )
    if status_list is None:
        raise Http404("No such status list.")
    return status_lists.current_credential(status_list)
