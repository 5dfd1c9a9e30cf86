"""Reads scoped to what the actor may see. Another organization's object is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .access import Actor
from .errors import OrganizationError
from .models import APIKey, AuditEvent, Invitation, Membership, Organization
from .roles import Role


def organizations_for_actor(actor: Actor) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=actor.organization_ids(), is_active=True)


def organization_get_for_actor(actor: Actor, slug: str, *, minimum: str = Role.VIEWER) -> Organization:
    """The organization if the actor belongs to it (else 404) with at least `minimum` (else 403)."""
    # PostgreSQL rejects NUL in text parameters; no slug contains one.
    organization = (
        None if "\x00" in (slug or "") else organizations_for_actor(actor).filter(slug=slug).first()
    )
    if organization is None:
        raise Http404("No such organization.")
    if not actor.has_role(organization, minimum):
        message = f"This needs the {minimum} role or higher in {organization.name}."
        raise OrganizationError(message, code="permission_denied")
    return organization


def memberships_for_organization(organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("user__email")


def invitations_for_organization(organization: Organization) -> QuerySet[Invitation]:
    return organization.invitations.select_related("invited_by").order_by("-created_at")


def api_keys_for_organization(organization: Organization) -> QuerySet[APIKey]:
    return organization.api_keys.select_related("created_by").order_by("-created_at")


def audit_events_for_organization(organization: Organization) -> QuerySet[AuditEvent]:
    return organization.audit_events.select_related("actor", "actor_api_key").order_by("-created_at", "-id")
