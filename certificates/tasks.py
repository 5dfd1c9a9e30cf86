from celery import shared_task

from .models import Certificate


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def render_certificate(certificate_id: int) -> str:
    from .services import certificate_render

    certificate = (
        Certificate.objects.select_related("organization", "template").filter(pk=certificate_id).first()
    )
    if certificate is None:
        return "missing"
    certificate_render(certificate=certificate)
    return "rendered"


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_issuance_batch(batch_id: int) -> str:
    from .batches import batch_process

    return batch_process(batch_id=batch_id)


# Anchoring tasks live beside the anchoring service; importing them here registers them.
from .anchoring_tasks import *  # noqa: E402,F401,F403
