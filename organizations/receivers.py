"""Audit rows for security events raised by accounts (which must not import this app)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.signals import security_event

from .audit import audit_record


@receiver(security_event)
def record_security_event(sender, user, action, ip=None, details=None, **kwargs):
    audit_record(action=action, actor=user, ip=ip, target=user, details=details)


@receiver(user_logged_in)
def record_portal_login(sender, request, user, **kwargs):
    audit_record(
        action="auth.login",
        actor=user,
        ip=request.META.get("REMOTE_ADDR") if request else None,
        target=user,
        details={"via": "portal"},
    )
