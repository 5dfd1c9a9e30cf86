"""Celery tasks for the cached public status: thin, safe to run twice."""

from celery import shared_task


@shared_task(name="certificates.retry_public_status_purges", acks_late=True, expires=60)
def retry_public_status_purges() -> int:
    from certificates.public_status.purges import retry_pending

    return retry_pending()


@shared_task(
    name="certificates.tasks.drop_public_status_of_organization",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def drop_public_status_of_organization(organization_id: int) -> str:
    """Drop the cached public status of every certificate of an issuer whose public fields changed."""
    from certificates.public_status.services import drop_public_status_of_organization as drop

    return f"dropped {drop(organization_id=organization_id)}"
