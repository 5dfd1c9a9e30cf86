"""Who may change a certificate's status, and when: the one statement of each lifecycle rule.

Each ``*_refusal`` returns why the actor may not do it now (a CertificateError), or None. The
services raise the refusal; the API and the portal call ``can(...)`` to decide what to offer, so a
button is shown exactly when the service would accept the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from certificates.errors import CertificateError
from certificates.models import Certificate
from organizations.access import Actor
from organizations.models import Organization
from organizations.roles import Role

UNREVOKE_GRACE = timedelta(hours=24)

Status = Certificate.Status


def role_refusal(actor: Actor, organization: Organization, minimum: str) -> CertificateError | None:
    if actor.has_role(organization, minimum):
        return None
    return CertificateError(
        f"This needs the {minimum} role or higher in {organization.name}.", code="permission_denied"
    )


def require_role(actor: Actor, organization: Organization, minimum: str) -> None:
    refusal = role_refusal(actor, organization, minimum)
    if refusal is not None:
        raise refusal


def _superseded(certificate: Certificate) -> bool:
    return hasattr(certificate, "superseded_by")


def unrevoke_deadline(certificate: Certificate) -> datetime | None:
    """Until when a revocation may be undone (None when it never was revoked)."""
    if certificate.status_changed_at is None:
        return None
    return certificate.status_changed_at + UNREVOKE_GRACE


def revoke_refusal(actor: Actor, certificate: Certificate, now: datetime | None = None):
    if refusal := role_refusal(actor, certificate.organization, Role.ISSUER):
        return refusal
    if certificate.status == Status.REVOKED:
        return CertificateError("This certificate is already revoked.", code="already_revoked")
    return None


def unrevoke_refusal(actor: Actor, certificate: Certificate, now: datetime | None = None):
    if refusal := role_refusal(actor, certificate.organization, Role.ADMIN):
        return refusal
    if certificate.status != Status.REVOKED:
        return CertificateError("This certificate is not revoked.", code="not_revoked")
    deadline = unrevoke_deadline(certificate)
    if deadline is not None and (now or timezone.now()) > deadline:
        return CertificateError(
            "A revocation can only be undone within 24 hours; reissue instead.", code="grace_expired"
        )
    if _superseded(certificate):
        return CertificateError("This certificate was superseded by a reissue.", code="superseded")
    return None


def suspend_refusal(actor: Actor, certificate: Certificate, now: datetime | None = None):
    if refusal := role_refusal(actor, certificate.organization, Role.ISSUER):
        return refusal
    if certificate.status != Status.ISSUED:
        return CertificateError(
            f"Only an issued certificate can be suspended (it is {certificate.status}).",
            code="invalid_status",
        )
    return None


def unsuspend_refusal(actor: Actor, certificate: Certificate, now: datetime | None = None):
    if refusal := role_refusal(actor, certificate.organization, Role.ISSUER):
        return refusal
    if certificate.status != Status.SUSPENDED:
        return CertificateError("This certificate is not suspended.", code="invalid_status")
    return None


def reissue_refusal(actor: Actor, certificate: Certificate, now: datetime | None = None):
    if refusal := role_refusal(actor, certificate.organization, Role.ISSUER):
        return refusal
    if _superseded(certificate):
        return CertificateError("This certificate was already reissued.", code="already_reissued")
    return None


REFUSALS = {
    "revoke": revoke_refusal,
    "unrevoke": unrevoke_refusal,
    "suspend": suspend_refusal,
    "unsuspend": unsuspend_refusal,
    "reissue": reissue_refusal,
}


def can(action: str, actor: Actor, certificate: Certificate, now: datetime | None = None) -> bool:
    return REFUSALS[action](actor, certificate, now) is None


def enforce(action: str, actor: Actor, certificate: Certificate, now: datetime | None = None) -> None:
    refusal = REFUSALS[action](actor, certificate, now)
    if refusal is not None:
        raise refusal


def allowed_actions(actor: Actor, certificate: Certificate, now: datetime | None = None) -> dict[str, bool]:
    """Every lifecycle action with whether the actor may take it now (for buttons and API hints)."""
    return {action: can(action, actor, certificate, now) for action in REFUSALS}
