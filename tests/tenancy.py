"""A victim organization with one of everything, for the tenancy walk.

When a new model becomes reachable by id through the API, add an instance here (and, if it has
a distinctive public value, a marker that must never appear in an outsider's response).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from organizations.models import APIKey, AuditEvent, Invitation, Membership, Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory

# Routes that are, by design, not tenant data: the caller's own account, token-based flows and
# public lookups (those are tested for what they reveal in their own tests).
PUBLIC_OR_PERSONAL_ROUTES = {
    "/api/v1/auth/register/",
    "/api/v1/auth/verify-email/",
    "/api/v1/auth/token/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/me/",
    "/api/v1/auth/password/change/",
    "/api/v1/auth/password/reset/",
    "/api/v1/auth/password/reset/confirm/",
    "/api/v1/auth/2fa/setup/",
    "/api/v1/auth/2fa/confirm/",
    "/api/v1/auth/2fa/disable/",
    "/api/v1/invitations/accept/",
    "/api/v1/invitations/register/",
}
PUBLIC_PREFIXES = ("/api/v1/public/",)
# (method, path) open to anyone by design: submitting a certificate for verification.
OPEN_ACTIONS = {("POST", "/api/v1/verifications/")}


@dataclass
class VictimWorld:
    org: Organization
    objects: dict[str, object] = field(default_factory=dict)  # model label → instance
    markers: dict[str, str] = field(default_factory=dict)  # values that must not leak


def build_victim_world() -> VictimWorld:
    org = OrganizationFactory(name="Victim University", slug="victim-university")
    owner = MembershipFactory(organization=org, role=Role.OWNER)
    world = VictimWorld(org=org, markers={"organization slug": org.slug, "owner e-mail": owner.user.email})
    world.objects["organizations.Organization"] = org
    world.objects["organizations.Membership"] = owner
    world.objects["organizations.Invitation"] = Invitation.objects.create(
        organization=org,
        email="invitee@victim.example",
        role=Role.VIEWER,
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=3),
    )
    world.objects["organizations.APIKey"] = APIKey.objects.create(
        organization=org, name="victim key", prefix="deadbeef", key_hash="1" * 64, role=Role.ISSUER
    )
    world.objects["organizations.AuditEvent"] = AuditEvent.objects.create(
        organization=org, action="test.seed"
    )
    for extend in EXTENSIONS:
        extend(world)
    return world


# Later apps register builders here: each takes the world and adds its objects and markers.
EXTENSIONS: list = []


def _view_model(callback):
    cls = getattr(callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(cls, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)


def path_values(path: str, callback, world: VictimWorld) -> dict[str, str]:
    """Fill a route's parameters with the victim's identifiers."""
    values = {}
    for name in re.findall(r"{(\w+)}", path):
        if name in ("slug", "organization_slug"):
            values[name] = world.org.slug
        elif name in world.markers:
            values[name] = world.markers[name]
        else:
            model = _view_model(callback)
            label = model._meta.label if model else None
            instance = world.objects.get(label)
            assert instance is not None, f"add a victim {label} to tests/tenancy.py to walk {path}"
            values[name] = str(instance.pk)
    return values


__all__ = ["build_victim_world", "path_values", "PUBLIC_OR_PERSONAL_ROUTES", "PUBLIC_PREFIXES", "Membership"]


def _certificates_and_verifications(world: VictimWorld) -> None:
    import datetime as dt

    from certificates.lifecycle.services import certificate_issue
    from certificates.models import CertificateTemplate, IssuanceBatch
    from organizations.access import Actor
    from verification.models import VerificationRequest

    owner = world.objects["organizations.Membership"].user
    certificate = certificate_issue(
        actor=Actor(user=owner),
        organization=world.org,
        recipient_name="Victor Victim",
        title="Secret Programme",
        issue_date=dt.date(2026, 1, 5),
    )
    world.objects["certificates.Certificate"] = certificate
    world.markers["credential_id"] = certificate.credential_id
    world.markers["recipient"] = "Victor Victim"
    world.objects["certificates.CertificateTemplate"] = CertificateTemplate.objects.create(
        organization=world.org, name="Victim template"
    )
    world.objects["certificates.IssuanceBatch"] = IssuanceBatch.objects.create(
        organization=world.org, file="batches/victim.csv", file_sha256="2" * 64, total_rows=1
    )
    world.objects["verification.VerificationRequest"] = VerificationRequest.objects.create(
        access_token="victim-token",
        organization=world.org,
        certificate=certificate,
        status="completed",
        verdict="authentic",
        score=99,
    )


EXTENSIONS.append(_certificates_and_verifications)


def _webhooks(world: VictimWorld) -> None:
    from core.crypto import encrypt_text
    from webhooks.models import Delivery, Endpoint, Event
    from webhooks.signing import secret_generate

    endpoint = Endpoint.objects.create(
        organization=world.org,
        url="https://hooks.victim-university.example/certverify",
        description="Victim receiver",
        event_types=["certificate.issued"],
        secret_encrypted=encrypt_text(secret_generate()),
    )
    event = Event.objects.create(organization=world.org, type="certificate.issued", data={"victim": True})
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=event,
        attempt_number=1,
        schedule_step=0,
        status="failed",
        response_excerpt="x",
    )
    world.objects.update(
        {"webhooks.Endpoint": endpoint, "webhooks.Event": event, "webhooks.Delivery": delivery}
    )
    world.markers.update(
        {"webhook url": endpoint.url, "webhook-id": event.message_id, "delivery_id": str(delivery.pk)}
    )


EXTENSIONS.append(_webhooks)


def _verification_reports(world: VictimWorld) -> None:
    from verification.models import VerificationReport

    report = VerificationReport.objects.create(
        verification=world.objects["verification.VerificationRequest"],
        share_token="victim-share-token-0123456789",
        body="{}",
        signature="x",
        key_id="0" * 16,
    )
    world.objects["verification.VerificationReport"] = report
    world.markers["share_token"] = report.share_token  # the walk deletes with the real link


EXTENSIONS.append(_verification_reports)
