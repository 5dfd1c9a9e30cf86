"""The one way to say "what the public lookup shows has changed": an outbox row, then a tombstone.

Issuing (a cached 404 must go), status changes, anchoring and issuer edits all call these inside
the transaction that makes the change. The rows are written there; after commit the entries are
tombstoned and read back, and what the cache did not take is retried by the beat task
(public_status/purges.py), so a cache outage delays an invalidation but never loses it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from certificates.public_status import purges
from certificates.public_status.signals import public_status_changed_signal


def public_status_changed(*, credential_ids: Iterable[str]) -> None:
    """Call inside the transaction that changes what the public lookup shows for these ids."""
    ids = list(credential_ids)
    if not ids:
        return
    purges.record(ids)
    public_status_changed_signal.send(sender=None, credential_ids=ids)
    transaction.on_commit(lambda: purges.purge(ids))


def public_status_changed_for_organization(*, organization_id: int) -> None:
    """Call inside the transaction that changes an issuer's public fields (every certificate shows them)."""
    from certificates.public_status.tasks import drop_public_status_of_organization

    purges.record_organization(organization_id)
    # A task: an issuer may have a million certificates, too many to tombstone inside a request.
    transaction.on_commit(lambda: drop_public_status_of_organization.delay(organization_id))
