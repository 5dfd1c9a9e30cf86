"""Who an issuer is: its verification level, the domain proof, staff review, look-alikes.

unverified (new) → domain (proved control of a web domain: a TXT record or a well-known file
holding its token) → reviewed (staff checked the organization itself and wrote down what).
An organization whose name resembles a verified one's (lookalikes.py) reaches neither level
without staff review. The writes here are atomic and audited, like services.py's.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from billing.usage import plan_require_feature

from .access import Actor
from .audit import audit_by, audit_record
from .domain_dns import DNSLookupError, txt_records
from .errors import OrganizationError
from .lookalikes import confusable, verified_lookalike_of_name
from .models import VERIFIED_LEVELS, Membership, Organization, VerificationLevel
from .roles import Role
from .well_known import PATH, WellKnownError, fetch_proof_file, proof_url

TXT_PREFIX = "certverify-verification="
DNS_LABEL = "_certverify"
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOOPBACK_HOST = re.compile(r"^(localhost|127\.0\.0\.1):\d{1,5}$")


def organization_identity(organization: Organization) -> dict:
    """The `verification` object shown wherever an issuer is: level, domain, verified_at, warning."""
    level = organization.verification_level
    return {
        "level": level,
        "domain": organization.verified_domain or None if level != VerificationLevel.UNVERIFIED else None,
        "verified_at": organization.verified_at,
        "warning": lookalike_warning(organization),
    }


def lookalike_warning(organization: Organization) -> str | None:
    """ "not the verified <name> (<domain>)" while it resembles a verified organization."""
    if organization.lookalike_of_id is None:
        return None
    other = organization.lookalike_of
    if other is None or other.verification_level not in VERIFIED_LEVELS:
        return None
    return f"Not the verified {other.name} ({other.verified_domain or other.slug})"


def normalize_domain(domain: str) -> str:
    domain = (domain or "").strip().lower().rstrip(".")
    try:
        host = domain.encode("idna").decode("ascii") if domain and ":" not in domain else domain
    except UnicodeError:
        host = ""
    if _HOST.match(host) or (settings.DOMAIN_PROOF_ALLOW_LOOPBACK and _LOOPBACK_HOST.match(host)):
        return host
    raise OrganizationError("Enter a domain name such as uni.example.", field="domain", code="invalid_domain")


def domain_proof_instructions(organization: Organization) -> dict | None:
    """The two ways to publish the pending token, or None when no proof was started."""
    domain, token = organization.domain_proof_domain, organization.domain_proof_token
    if not (domain and token):
        return None
    host = domain.split(":", 1)[0]
    return {
        "domain": domain,
        "token": token,
        "dns": {"type": "TXT", "name": f"{DNS_LABEL}.{host}", "value": f"{TXT_PREFIX}{token}"},
        "http": {"url": proof_url(domain), "content": f"{TXT_PREFIX}{token}"},
    }


@transaction.atomic
def domain_proof_start(*, actor: Actor, organization: Organization, domain: str) -> dict:
    """A fresh token for `domain`; the organization's level is unchanged until it is checked."""
    plan_require_feature(organization, "custom_domain", "Proving your own domain")
    domain = normalize_domain(domain)
    organization.domain_proof_domain = domain
    organization.domain_proof_token = secrets.token_urlsafe(24)
    organization.save(update_fields=["domain_proof_domain", "domain_proof_token"])
    audit_by(
        actor,
        action="organization.domain_proof_started",
        organization=organization,
        target=organization,
        details={"domain": domain},
    )
    return domain_proof_instructions(organization)


def _proof_found(domain: str, token: str) -> tuple[str | None, list[str]]:
    """("dns" or "http", []) when either place holds the token, else (None, the reasons)."""
    expected, reasons = f"{TXT_PREFIX}{token}", []
    name = f"{DNS_LABEL}.{domain.split(':', 1)[0]}"
    try:
        records = txt_records(name)
        if expected in (r.strip() for r in records):
            return "dns", []
        reasons.append(
            f"No TXT record at {name} holds {expected}."
            if not records
            else f"The TXT records at {name} do not hold {expected}."
        )
    except DNSLookupError as exc:
        reasons.append(str(exc))
    try:
        if expected in (line.strip() for line in fetch_proof_file(domain).splitlines()):
            return "http", []
        reasons.append(f"{PATH} on {domain} does not hold {expected}.")
    except WellKnownError as exc:
        reasons.append(str(exc))
    return None, reasons


def domain_proof_check(*, actor: Actor, organization: Organization) -> dict:
    """Look for the token in DNS and in the well-known file; on success the level becomes domain."""
    pending = domain_proof_instructions(organization)
    if pending is None:
        raise OrganizationError("Start a domain verification first.", field="domain", code="no_domain_proof")
    if lookalike_warning(organization):
        raise OrganizationError(
            f"This organization's name resembles a verified organization's ({organization.lookalike_of.name}); "
            "only CertVerify staff can verify it.",
            code="lookalike_needs_review",
            kind="forbidden",
        )
    method, reasons = _proof_found(pending["domain"], pending["token"])  # network: outside the transaction
    if method is None:
        raise OrganizationError(" ".join(reasons), field="domain", code="domain_not_proven")
    _record_domain_proof(
        actor=actor,
        organization=organization,
        domain=pending["domain"],
        token=pending["token"],
        method=method,
    )
    organization.refresh_from_db()
    return {**organization_identity(organization), "method": method}


@transaction.atomic
def _record_domain_proof(
    *, actor: Actor, organization: Organization, domain: str, token: str, method: str
) -> None:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    now = timezone.now()
    organization.verified_domain, organization.domain_checked_at = domain, now
    organization.verified_domain_token = token
    organization.domain_failing_since = None  # a fresh proof ends any grace period
    fields = ["verified_domain", "verified_domain_token", "domain_checked_at", "domain_failing_since"]
    if organization.verification_level != VerificationLevel.REVIEWED:
        organization.verification_level, organization.verified_at = VerificationLevel.DOMAIN, now
        fields += ["verification_level", "verified_at"]
    organization.save(update_fields=fields)  # a save, so the cached public status hears of it
    audit_by(
        actor,
        action="organization.domain_verified",
        organization=organization,
        target=organization,
        details={"domain": domain, "method": method},
    )
    _flag_lookalikes(organization)


@transaction.atomic
def organization_review(*, actor: Actor, organization: Organization, note: str) -> Organization:
    """Staff checked the organization itself (accreditation, registry) and wrote down what."""
    note = (note or "").strip()
    if not note:
        raise OrganizationError("Write what was checked.", field="note", code="note_required")
    organization.verification_level = VerificationLevel.REVIEWED
    organization.verified_at = timezone.now()
    organization.review_note = note
    organization.lookalike_of = None  # staff looked: it is its own organization
    organization.save(update_fields=["verification_level", "verified_at", "review_note", "lookalike_of"])
    audit_by(
        actor,
        action="organization.reviewed",
        organization=organization,
        target=organization,
        details={"note": note},
    )
    _flag_lookalikes(organization)
    return organization


def lookalike_refresh(organization: Organization) -> None:
    """After a create or rename: note the verified organization its name resembles, if any.

    A domain-level organization renamed to resemble another drops back to unverified.
    """
    if organization.verification_level == VerificationLevel.REVIEWED:
        return
    other = verified_lookalike_of_name(organization.name, exclude_pk=organization.pk)
    fields = {"lookalike_of": other}
    if other is not None and organization.verification_level == VerificationLevel.DOMAIN:
        fields |= {"verification_level": VerificationLevel.UNVERIFIED, "verified_at": None}
    changed = [key for key, value in fields.items() if getattr(organization, key) != value]
    for key in changed:
        setattr(organization, key, fields[key])
    if changed:  # a save only when something changed: each save purges the public status
        organization.save(update_fields=changed)


def _flag_lookalikes(verified: Organization) -> None:
    """Once an organization is verified, the unverified ones whose names resemble it are marked."""
    candidates = Organization.objects.filter(
        verification_level=VerificationLevel.UNVERIFIED, lookalike_of__isnull=True
    ).exclude(pk=verified.pk)
    for other in candidates.only("id", "name").iterator():
        if confusable(other.name, verified.name) or confusable(other.name, verified.slug):
            other.lookalike_of = verified
            other.save(update_fields=["lookalike_of"])


def domain_downgrade_on(organization: Organization):
    """When a failing domain-level organization drops to unverified if the proof stays missing."""
    if (
        organization.domain_failing_since is None
        or organization.verification_level != VerificationLevel.DOMAIN
    ):
        return None
    return organization.domain_failing_since + settings.DOMAIN_RECHECK_GRACE


def domains_due_for_recheck(*, now=None) -> list[int]:
    now = now or timezone.now()
    due = Q(domain_checked_at__isnull=True) | Q(
        domain_checked_at__lte=now - settings.DOMAIN_PROOF_RECHECK_INTERVAL
    )
    return list(
        Organization.objects.filter(due, verification_level=VerificationLevel.DOMAIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def domain_recheck(*, organization_id: int, now=None) -> str:
    """Re-run the proof of a domain-level organization. A failure starts (or continues) the grace
    period; only when the proof has been missing for settings.DOMAIN_RECHECK_GRACE is it unverified.

    The row is claimed with a conditional update, so two workers never check it at once.
    """
    now = now or timezone.now()
    cutoff = now - settings.DOMAIN_PROOF_RECHECK_INTERVAL
    claimed = Organization.objects.filter(
        Q(domain_checked_at__isnull=True) | Q(domain_checked_at__lte=cutoff),
        pk=organization_id,
        verification_level=VerificationLevel.DOMAIN,
    ).update(domain_checked_at=now)
    if not claimed:
        return "not due"
    organization = Organization.objects.get(pk=organization_id)
    token = organization.verified_domain_token or organization.domain_proof_token  # proved before the field
    method, reasons = _proof_found(organization.verified_domain, token)
    if method is not None:
        if organization.domain_failing_since is not None:
            _domain_recovered(organization=organization, method=method)
        return f"proved by {method}"
    return _domain_check_failed(organization=organization, reasons=reasons, now=now)


@transaction.atomic
def _domain_recovered(*, organization: Organization, method: str) -> None:
    Organization.objects.filter(pk=organization.pk).update(domain_failing_since=None)
    audit_record(
        action="organization.domain_recheck_recovered",
        organization=organization,
        target=organization,
        details={"domain": organization.verified_domain, "method": method},
    )


@transaction.atomic
def _domain_check_failed(*, organization: Organization, reasons: list[str], now) -> str:
    """The first failure warns the admins; one at the end of the grace period downgrades."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.verification_level != VerificationLevel.DOMAIN:
        return "not due"
    grace = settings.DOMAIN_RECHECK_GRACE
    since = organization.domain_failing_since or now
    if now - since >= grace:
        _domain_lost(organization=organization, reasons=reasons)
        return "downgraded"
    if organization.domain_failing_since is None:
        # An update, not a save: nothing public changes yet, so the cached public status stays.
        Organization.objects.filter(pk=organization.pk).update(domain_failing_since=now)
        organization.domain_failing_since = now
        downgrade_on = domain_downgrade_on(organization)
        audit_record(
            action="organization.domain_recheck_failed",
            organization=organization,
            target=organization,
            details={
                "domain": organization.verified_domain,
                "reasons": reasons,
                "downgrade_on": downgrade_on.isoformat(),
            },
        )
        _email_admins(organization, *_failure_warning(organization, reasons, downgrade_on))
    return "failing"


def _settings_url() -> str:
    return settings.SITE_URL + reverse("portal:organization-settings")


def _failure_warning(organization: Organization, reasons: list[str], downgrade_on) -> tuple[str, str]:
    domain, when = organization.verified_domain, downgrade_on.strftime("%d %B %Y, %H:%M UTC")
    subject = f"{organization.name}: CertVerify could not find the proof for {domain}"
    body = (
        f"CertVerify's periodic check could not find the proof that {organization.name} controls {domain}:\n\n"
        + "\n".join(f"- {r}" for r in reasons)
        + f"\n\nThis can be a passing DNS or web server problem, so nothing has changed yet. If the proof "
        f'is still missing, {organization.name} will be downgraded to "Identity not verified" on {when}, '
        f"and its certificates will show that. Check that the TXT record or the file is still published, "
        f"or check again in the portal: {_settings_url()}\n"
    )
    return subject, body


def _email_admins(organization: Organization, subject: str, body: str) -> None:
    admins = Membership.objects.filter(
        organization=organization, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    ).values_list("user__email", flat=True)
    recipients = sorted(set(admins))
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))


def _domain_lost(*, organization: Organization, reasons: list[str]) -> None:
    """Called under the row lock by _domain_check_failed."""
    domain = organization.verified_domain
    organization.verification_level = VerificationLevel.UNVERIFIED
    organization.verified_at, organization.verified_domain = None, ""
    organization.domain_failing_since = None
    organization.save(
        update_fields=["verification_level", "verified_at", "verified_domain", "domain_failing_since"]
    )
    audit_record(
        action="organization.domain_lost",
        organization=organization,
        target=organization,
        details={"domain": domain, "reasons": reasons},
    )
    subject = f"{organization.name} is no longer a verified domain on CertVerify"
    body = (
        f"CertVerify could no longer find the proof that {organization.name} controls {domain}:\n\n"
        + "\n".join(f"- {r}" for r in reasons)
        + f'\n\nIts certificates now show "Identity not verified". Publish the proof again and check it '
        f"in the portal: {_settings_url()}\n"
    )
    _email_admins(organization, subject, body)
