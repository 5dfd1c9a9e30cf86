"""Webhook reads, scoped to organizations where the actor is at least an admin."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from organizations.access import Actor
from organizations.models import Membership, Organization
from organizations.roles import Role

from .models import Delivery, Endpoint


def endpoints_for_actor(actor: Actor, *, organization: str | None = None) -> QuerySet[Endpoint]:
    endpoints = (
        Endpoint.objects.filter(
            organization_id__in=actor.organization_ids(minimum=Role.ADMIN), organization__is_active=True
        )
        .select_related("organization")
        .order_by("-created_at", "-id")
    )
    if organization and "\x00" in organization:  # PostgreSQL rejects NUL; no slug contains one
        return endpoints.none()
    return endpoints.filter(organization__slug=organization) if organization else endpoints


def endpoint_get_for_actor(actor: Actor, endpoint_id) -> Endpoint:
    endpoint = (
        endpoints_for_actor(actor).filter(pk=endpoint_id).first() if str(endpoint_id).isdigit() else None
    )
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def deliveries_for_endpoint(
    endpoint: Endpoint, *, status: str | None = None, event: str | None = None
) -> QuerySet[Delivery]:
    deliveries = endpoint.deliveries.select_related("event").order_by("-created_at", "-attempt_number")
    if status:
        deliveries = deliveries.filter(status=status)
    if event:
        deliveries = deliveries.filter(event__message_id=event)
    return deliveries


def delivery_get_for_endpoint(endpoint: Endpoint, delivery_id: str) -> Delivery:
    try:
        pk = uuid.UUID(str(delivery_id))
    except ValueError:
        raise Http404("No such delivery.") from None
    delivery = endpoint.deliveries.select_related("event", "endpoint__organization").filter(pk=pk).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery


def admin_emails_for_organization(organization: Organization) -> list[str]:
    """Addresses of the people told when one of the organization's webhooks is disabled."""
    return list(
        Membership.objects.filter(
            organization=organization, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
