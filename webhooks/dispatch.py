"""The outbox's way out: queue delivery tasks after commit, and sweep up whatever was never queued.

`.delay()` runs only after the transaction that wrote the rows has committed, and a broker
failure there is logged, never raised: the rows stay undispatched and the beat sweeper
(`deliveries_dispatch_due`) queues them once the broker is back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import conf
from .models import Delivery

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def enqueue_on_commit(delivery_ids: list) -> None:
    if delivery_ids:
        ids = [str(pk) for pk in delivery_ids]
        transaction.on_commit(partial(_enqueue, ids, mark_dispatched=True))


def _enqueue(delivery_ids: list[str], *, mark_dispatched: bool = False) -> int:
    from .tasks import deliver

    queued = []
    for delivery_id in delivery_ids:
        try:
            # No publish retries: a request must not hang on a dead broker; the sweeper catches up.
            deliver.apply_async((delivery_id,), retry=False)
        except OperationalError:
            logger.warning(
                "webhooks: broker unavailable; %d deliveries left for the sweeper", len(delivery_ids)
            )
            break
        except Exception:  # eager mode runs the attempt inline: a crash there must not fail the caller
            logger.exception("webhooks: delivery %s crashed; the sweeper will retry it", delivery_id)
            continue
        queued.append(delivery_id)
    if mark_dispatched and queued:
        Delivery.objects.filter(pk__in=queued, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
    return len(queued)


def deliveries_dispatch_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Queue attempts that are due and were never queued, or whose queued task seems lost.

    Rows are locked with SKIP LOCKED and stamped `dispatched_at`, so concurrent sweepers split
    the work; the attempt itself is claimed again by the task, so a duplicate message is harmless.
    """
    now = now or timezone.now()
    stale = now - conf.claim_lease()
    with transaction.atomic():
        due = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
                next_attempt_at__lte=now,
                endpoint__is_active=True,
            )
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=stale))
            .order_by("next_attempt_at")
        )
        ids = [str(pk) for pk in due.values_list("pk", flat=True)[:limit]]
        if ids:
            Delivery.objects.filter(pk__in=ids).update(dispatched_at=now)
            transaction.on_commit(partial(_enqueue, ids))
    return len(ids)
