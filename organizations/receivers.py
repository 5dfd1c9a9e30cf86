"""Audit rows for security events raised by accounts (which must not import this app), and
invalidation of the cached principals (principals.py) when a user, membership or organization
changes."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import security_event
from core.client_ip import client_ip

from .audit import audit_record
from .models import Membership, Organization
from .principals import principal_invalidate


@receiver(security_event)
def record_security_event(sender, user, action, ip=None, details=None, **kwargs):
    audit_record(action=action, actor=user, ip=ip, target=user, details=details)


@receiver(user_logged_in)
def record_portal_login(sender, request, user, **kwargs):
    audit_record(
        action="auth.login",
        actor=user,
        ip=client_ip(request),
        target=user,
        details={"via": "portal"},
    )


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def invalidate_user_principal(sender, instance, **kwargs):
    principal_invalidate(user_ids=[instance.pk])


@receiver([post_save, post_delete], sender=Membership)
def invalidate_member_principal(sender, instance, **kwargs):
    principal_invalidate(user_ids=[instance.user_id])
    if Membership.user.is_cached(instance):  # the caller's own user object (joining, leaving)
        instance.user.__dict__.pop("_certverify_roles", None)


@receiver(post_save, sender=Organization)
def invalidate_organization_principals(sender, instance, created, update_fields=None, **kwargs):
    # Roles count only in active organizations; a deleted one takes its memberships along, and
    # each of those is a post_delete above.
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    principal_invalidate(user_ids=list(instance.memberships.values_list("user_id", flat=True)))
