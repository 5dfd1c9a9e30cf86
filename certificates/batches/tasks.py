"""Celery tasks for bulk issuance: thin, id-based, safe to run twice."""

from celery import shared_task


@shared_task(
    name="certificates.tasks.run_issuance_batch", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def run_issuance_batch(batch_id: int) -> str:
    from certificates.batches.services import batch_process

    return batch_process(batch_id=batch_id)


@shared_task(name="certificates.resume_stalled_batches", acks_late=True, expires=60)
def resume_stalled_batches() -> int:
    from certificates.batches.services import batch_drafts_purge, batch_resume_stalled

    batch_drafts_purge()
    return batch_resume_stalled()


@shared_task(
    name="certificates.tasks.build_batch_archive", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def build_batch_archive(batch_id: int) -> str:
    from certificates.batches.archive import batch_archive_build

    return batch_archive_build(batch_id=batch_id)
