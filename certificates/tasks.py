from celery import shared_task

from certificates.models import Certificate


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def render_certificate(certificate_id: int) -> str:
    from certificates.lifecycle.services import certificate_render

    certificate = (
        Certificate.objects.select_related("organization", "template").filter(pk=certificate_id).first()
    )
    if certificate is None:
        return "missing"
    certificate_render(certificate=certificate)
    return "rendered"


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_issuance_batch(batch_id: int) -> str:
    from certificates.batches.services import batch_process

    return batch_process(batch_id=batch_id)


@shared_task(name="certificates.resume_stalled_batches", acks_late=True, expires=60)
def resume_stalled_batches() -> int:
    from certificates.batches.services import batch_resume_stalled

    return batch_resume_stalled()


@shared_task(name="certificates.retry_public_status_purges", acks_late=True, expires=60)
def retry_public_status_purges() -> int:
    from certificates.public_status.purges import retry_pending

    return retry_pending()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def drop_public_status_of_organization(organization_id: int) -> str:
    """Drop the cached public status of every certificate of an issuer whose public fields changed."""
    from certificates.public_status import cache as public_cache

    ids = Certificate.objects.filter(organization_id=organization_id).values_list("credential_id", flat=True)
    chunk: list[str] = []
    dropped = 0
    for credential_id in ids.iterator(chunk_size=5000):
        chunk.append(credential_id)
        if len(chunk) == 5000:
            public_cache.drop_many(chunk)
            dropped, chunk = dropped + len(chunk), []
    if chunk:
        public_cache.drop_many(chunk)
    return f"dropped {dropped + len(chunk)}"


# Anchoring tasks live beside the anchoring service; importing them here registers them.
from certificates.anchoring.tasks import *  # noqa: E402,F401,F403
