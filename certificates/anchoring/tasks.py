"""Celery tasks for anchoring (certificates/anchoring.py): thin, id-based, safe to run twice.

Registered by CertificatesConfig.ready(). Beat runs `anchor_pending_certificates` and
`confirm_anchors` on a schedule; issuance enqueues `anchor_pending_certificates` when a full
batch waits (`anchoring.anchor_enqueue_if_due`); `anchor_retry` enqueues `retry_anchor`.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

__all__ = ["anchor_blockcerts", "anchor_pending_certificates", "confirm_anchors", "retry_anchor"]


@shared_task(
    name="certificates.anchor_pending_certificates", acks_late=True, soft_time_limit=240, time_limit=300
)
def anchor_pending_certificates() -> dict:
    """Send anchors left pending, then batch and send the unanchored certificates."""
    from django.conf import settings

    from certificates.anchoring.services import anchor_run

    if settings.ANCHOR_INLINE:  # bin/demo: no worker or beat, so do their part now
        from certificates.anchoring.embedded import anchor_now_on_embedded_chain

        done = anchor_now_on_embedded_chain()
        if done is not None:
            return done
    return anchor_run()


@shared_task(name="certificates.confirm_anchors", acks_late=True, soft_time_limit=120, time_limit=150)
def confirm_anchors() -> dict:
    """Count confirmations of in-flight anchors; confirm, fail, re-send or re-price them."""
    from certificates.anchoring.services import anchor_confirm_all

    return anchor_confirm_all()


@shared_task(name="certificates.retry_anchor", acks_late=True, soft_time_limit=60, time_limit=90)
def retry_anchor(anchor_id: int) -> str:
    """Sign and send an anchor that `anchor_retry` put back to pending."""
    from certificates.anchoring.chain import ChainError
    from certificates.anchoring.services import anchor_submit
    from certificates.models import Anchor

    try:
        return anchor_submit(anchor_id).status
    except Anchor.DoesNotExist:
        return "missing"
    except ChainError as exc:  # stays pending/signed; the scheduled runs pick it up
        logger.warning("anchor %s could not be sent: %s", anchor_id, exc)
        return "chain_error"


@shared_task(name="certificates.anchor_blockcerts", acks_late=True, soft_time_limit=240, time_limit=300)
def anchor_blockcerts() -> dict:
    """Build and send Blockcerts batches for certificates that have no Blockcerts proof yet."""
    from certificates.anchoring.blockcerts_batching import blockcerts_run

    return blockcerts_run()
