"""Organization writes: creation, members and roles, invitations, API keys.

Every write is atomic and leaves an audit row.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts.services import user_register
from billing.models import Metric
from billing.usage import usage_reserve

from .access import Actor
from .audit import audit_by
from .authentication import generate_key
from .errors import OrganizationError
from .identity import lookalike_refresh
from .lookalikes import verified_lookalike_of_name, verified_lookalike_of_slug
from .models import APIKey, Invitation, Membership, Organization
from .roles import RANK, Role, role_at_least


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    if verified_lookalike_of_slug(base) or verified_lookalike_of_name(name):  # nor a look-alike address
        base = f"org-{secrets.token_hex(4)}"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(
    *, actor: Actor, name: str, slug: str = "", country: str = "", website: str = "", domain: str = ""
) -> Organization:
    """Create an organization; the creating person becomes its owner."""
    if actor.user is None:
        raise OrganizationError("Only a signed-in person can create an organization.", code="person_required")
    if slug and (other := verified_lookalike_of_slug(slug)):
        raise OrganizationError(
            f"This slug can be mistaken for {other.name}'s ({other.slug}), a verified organization.",
            field="slug",
            code="slug_lookalike",
        )
    slug = slug or _unique_slug(name)
    if Organization.objects.filter(slug=slug).exists():
        raise OrganizationError("This slug is taken.", field="slug", code="slug_taken")
    try:
        with transaction.atomic():
            org = Organization.objects.create(
                name=name.strip(), slug=slug, country=country.upper(), website=website, domain=domain
            )
    except IntegrityError as exc:  # lost a race for the slug
        raise OrganizationError("This slug is taken.", field="slug", code="slug_taken") from exc
    Membership.objects.create(user=actor.user, organization=org, role=Role.OWNER)
    lookalike_refresh(org)
    audit_by(
        actor,
        action="organization.created",
        organization=org,
        target=org,
        details={"lookalike_of": org.lookalike_of.slug} if org.lookalike_of else None,
    )
    return org


@transaction.atomic
def organization_update(*, actor: Actor, organization: Organization, **fields) -> Organization:
    allowed = {"name", "country", "website", "domain"}
    changed = [k for k, v in fields.items() if k in allowed and getattr(organization, k) != v]
    for key in changed:
        setattr(organization, key, fields[key].upper() if key == "country" else fields[key])
    if changed:
        organization.save(update_fields=changed)
        if "name" in changed:
            lookalike_refresh(organization)
        audit_by(
            actor,
            action="organization.updated",
            organization=organization,
            target=organization,
            details={"fields": changed},
        )
    return organization


@transaction.atomic
def organization_deactivate(*, actor: Actor, organization: Organization) -> None:
    """Organizations are never erased: certificates they issued must stay verifiable."""
    organization.is_active = False
    organization.deactivated_at = timezone.now()
    organization.save(update_fields=["is_active", "deactivated_at"])
    organization.api_keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_by(actor, action="organization.deactivated", organization=organization, target=organization)


def _check_can_grant(actor: Actor, organization: Organization, role: str, *, current: bool = False) -> None:
    """Owners manage owners; admins manage everyone below owner.

    `current` reads the actor's role from the database (under the owners lock) instead of the
    roles its request was authenticated with, which a concurrent change may have made stale.
    """
    needed = Role.OWNER if role == Role.OWNER else Role.ADMIN
    actor_role = _role_now(actor, organization) if current else actor.role_in(organization)
    if not role_at_least(actor_role, needed):
        raise OrganizationError(
            f"Only an {needed} can grant or change the {role} role.",
            field="role",
            code="role_forbidden",
        )


def _role_now(actor: Actor, organization: Organization) -> str | None:
    if actor.api_key is not None:
        return actor.api_key.role
    if actor.user is None:
        return None
    memberships = Membership.objects.filter(
        user=actor.user, organization=organization, organization__is_active=True
    )
    return memberships.values_list("role", flat=True).first()


def _lock_owners(membership: Membership) -> Membership:
    """`membership` read again after locking its organization's row.

    Every change that can take an owner away (a role change, a removal, leaving, closing an
    account) takes this lock before it counts the owners, so two such changes run one after the
    other and the second sees the owners the first left.
    """
    Organization.objects.select_for_update().filter(pk=membership.organization_id).values_list("pk").get()
    fresh = Membership.objects.select_related("user", "organization").filter(pk=membership.pk).first()
    if fresh is None:
        raise OrganizationError("This person is no longer a member.", code="not_member")
    return fresh


def _another_owner_exists(organization_id: int, *, besides_user_id: int) -> bool:
    """An owner other than this user who can still sign in (a closed account cannot)."""
    owners = Membership.objects.filter(organization_id=organization_id, role=Role.OWNER, user__is_active=True)
    return owners.exclude(user_id=besides_user_id).exists()


def _ensure_another_owner(membership: Membership) -> None:
    if not _another_owner_exists(membership.organization_id, besides_user_id=membership.user_id):
        raise OrganizationError("An organization needs at least one owner.", field="role", code="last_owner")


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    organization = membership.organization
    _check_can_grant(actor, organization, membership.role)
    _check_can_grant(actor, organization, role)
    membership = _lock_owners(membership)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(membership)
    _check_can_grant(actor, organization, membership.role, current=True)
    _check_can_grant(actor, organization, role, current=True)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_by(
        actor,
        action="membership.role_changed",
        organization=organization,
        target=membership,
        details={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    organization = membership.organization
    leaving = actor.user is not None and membership.user_id == actor.user.pk
    if not leaving:
        _check_can_grant(actor, organization, membership.role)
    membership = _lock_owners(membership)
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership)
    if not leaving:
        _check_can_grant(actor, organization, membership.role, current=True)
    audit_by(
        actor,
        action="membership.removed",
        organization=organization,
        target=membership,
        details={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def memberships_check_owner_can_leave(*, user) -> None:
    """Refuse to close the account of the last owner of an active organization.

    Call it in the transaction that deactivates the user: the organizations stay locked (in id
    order, so two callers cannot deadlock) until that transaction ends.
    """
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("organization_id")
    organizations = Organization.objects.filter(pk__in=owned, is_active=True).order_by("pk")
    for organization in organizations.select_for_update():
        if not _another_owner_exists(organization.pk, besides_user_id=user.pk):
            raise OrganizationError(
                f"You are the last owner of {organization.name}. Make another member an owner first.",
                code="last_owner",
            )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, actor: Actor, organization: Organization, email: str, role: str) -> Invitation:
    _check_can_grant(actor, organization, role)
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise OrganizationError("This person is already a member.", field="email", code="already_member")
    organization.invitations.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    usage_reserve(organization, Metric.MEMBERS)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=actor.user,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    audit_by(
        actor,
        action="invitation.created",
        organization=organization,
        target=invitation,
        details={"email": email, "role": role},
    )
    context = {"invitation": invitation, "token": token, "site_url": settings.SITE_URL}
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    if invitation.status != "pending":
        raise OrganizationError(f"This invitation is already {invitation.status}.", code="not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_by(actor, action="invitation.revoked", organization=invitation.organization, target=invitation)


def _pending_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=_hash_token(token or ""))
        .first()
    )
    if invitation is None or invitation.status != "pending" or not invitation.organization.is_active:
        raise OrganizationError(
            "This invitation is invalid, expired or already used.", field="token", code="invalid_invitation"
        )
    return invitation


@transaction.atomic
def invitation_accept(*, user, token: str, ip: str | None = None) -> Membership:
    """An existing, signed-in user accepts; the invitation must be for their address."""
    invitation = _pending_invitation(token)
    if invitation.email.lower() != user.email.lower():
        raise OrganizationError(
            "This invitation was sent to a different e-mail address.",
            field="token",
            code="invitation_email_mismatch",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    if not created and RANK[Role(invitation.role)] > RANK[Role(membership.role)]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_by(
        Actor(user=user, ip=ip),
        action="invitation.accepted",
        organization=invitation.organization,
        target=membership,
        details={"role": membership.role},
    )
    return membership


@transaction.atomic
def invitation_register(
    *, token: str, password: str, full_name: str = "", ip: str | None = None
) -> Membership:
    """A new person accepts by creating an account; the link proves the e-mail address."""
    invitation = _pending_invitation(token)
    user = user_register(email=invitation.email, password=password, full_name=full_name, verified=True)
    if user is None:
        raise OrganizationError(
            "An account already uses this address: sign in and accept the invitation.",
            field="token",
            code="account_exists",
        )
    return invitation_accept(user=user, token=token, ip=ip)


@transaction.atomic
def api_key_create(*, actor: Actor, organization: Organization, name: str, role: str) -> tuple[APIKey, str]:
    """Returns the key row and the full secret, which is never shown again."""
    if role == Role.OWNER:
        raise OrganizationError("An API key cannot be an owner.", field="role", code="role_forbidden")
    _check_can_grant(actor, organization, role)
    usage_reserve(organization, Metric.API_KEYS)
    full, prefix, key_hash = generate_key()
    key = APIKey.objects.create(
        organization=organization,
        name=name.strip(),
        prefix=prefix,
        key_hash=key_hash,
        role=role,
        created_by=actor.user,
    )
    audit_by(
        actor,
        action="api_key.created",
        organization=organization,
        target=key,
        details={"name": key.name, "prefix": prefix, "role": role},
    )
    return key, full


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key: APIKey) -> APIKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_by(
            actor,
            action="api_key.revoked",
            organization=api_key.organization,
            target=api_key,
            details={"prefix": api_key.prefix},
        )
    return api_key
