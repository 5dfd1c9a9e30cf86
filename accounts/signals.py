"""Security events raised by accounts. The audit log (organizations) listens to these, which keeps
the dependency pointing one way: accounts knows nothing about organizations."""

from django.dispatch import Signal

# kwargs: user, action (str), ip (str | None), details (dict)
security_event = Signal()


def emit_security_event(*, user, action: str, ip: str | None = None, details: dict | None = None) -> None:
    security_event.send(sender=user.__class__, user=user, action=action, ip=ip, details=details or {})
