"""Celery tasks for rendering: thin, id-based, safe to run twice."""

from celery import shared_task

from certificates.models import Certificate


# The explicit name keeps the one tasks queued before the split (certificates/tasks.py) runnable.
@shared_task(name="certificates.tasks.render_certificate", acks_late=True, soft_time_limit=60, time_limit=90)
def render_certificate(certificate_id: int) -> str:
    from certificates.rendering.services import certificate_render

    certificate = (
        Certificate.objects.select_related("organization", "template").filter(pk=certificate_id).first()
    )
    if certificate is None:
        return "missing"
    certificate_render(certificate=certificate)
    return "rendered"
