"""Thin tasks: each calls a service; the canvas is built (and its tasks imported) in
services.verification_start."""

from celery import shared_task
from django.utils import timezone

from . import services
from .models import VerificationRequest


@shared_task(acks_late=True, soft_time_limit=90, time_limit=120)
def start_verification(verification_id: str) -> str:
    try:
        return services.verification_start(verification_id)
    except Exception as exc:
        services.verification_fail(verification_id, f"The pipeline could not start: {type(exc).__name__}")
        raise


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45)
def finish_verification(results: list, verification_id: str) -> str:
    return services.verification_finish(verification_id, results).verdict


@shared_task(acks_late=True)
def reap_stale_verifications() -> int:
    """Re-run verifications whose worker died mid-pipeline (idempotent: results are per layer)."""
    cutoff = timezone.now() - services.STALE_RUNNING
    stale = VerificationRequest.objects.filter(
        status__in=[VerificationRequest.Status.RUNNING, VerificationRequest.Status.PENDING],
        created_at__lt=cutoff,
    ).values_list("pk", flat=True)[:100]
    for pk in stale:
        services.verification_enqueue(pk)
    return len(stale)


@shared_task(acks_late=True)
def purge_old_uploads() -> int:
    return services.verifications_purge_uploads()
