"""Celery tasks for the cached public status: thin, safe to run twice."""

from celery import shared_task


@shared_task(name="certificates.retry_public_status_purges", acks_late=True, expires=60)
def retry_public_status_purges() -> int:
    """Re-apply the recorded purges the cache missed; an issuer's go to their own task (they can be large)."""
    from certificates.public_status.purges import organizations_pending, retry_pending

    for organization_id in organizations_pending():
        drop_public_status_of_organization.delay(organization_id)
    return retry_pending()


@shared_task(
    name="certificates.tasks.drop_public_status_of_organization",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def drop_public_status_of_organization(organization_id: int) -> str:
    """Tombstone the cached public status of every certificate of an issuer whose public fields changed."""
    from certificates.public_status.purges import purge_organization

    return f"tombstoned {purge_organization(organization_id)}"
