"""Issuance and status changes reach delivery through post_save, so certificates need not know
about holders. The receivers only hand over; the rules are in delivery.py."""

from __future__ import annotations


def certificate_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw:
        return
    from . import delivery

    if created:
        delivery.certificate_issued(instance)
    elif update_fields and "status" in update_fields and instance.status == instance.Status.REVOKED:
        delivery.certificate_revoked(instance)


def batch_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw or created or not update_fields or "processed_rows" not in update_fields:
        return
    from . import delivery

    delivery.batch_progressed(instance)
