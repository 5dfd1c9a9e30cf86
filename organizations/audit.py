"""Writing the audit log. Services call `audit_record` inside their transaction."""

from __future__ import annotations

from .models import AuditEvent


def audit_record(
    *,
    action: str,
    organization=None,
    actor=None,
    actor_api_key=None,
    ip: str | None = None,
    target=None,
    target_type: str = "",
    target_id: str = "",
    details: dict | None = None,
) -> AuditEvent:
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_api_key=actor_api_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details or {},
    )


def audit_by(
    actor, *, action: str, organization=None, target=None, details: dict | None = None
) -> AuditEvent:
    """Record an action done by an `Actor`."""
    return audit_record(
        action=action, organization=organization, target=target, details=details, **actor.audit_fields()
    )
