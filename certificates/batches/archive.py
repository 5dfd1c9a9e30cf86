"""The ZIP of a batch's PDFs: requested by staff, built by a worker with progress, then streamed.

The worker claims the build with a conditional update (a second worker finds nothing to do),
renders any certificate not rendered yet, writes the ZIP to a temporary file on disk (never the
whole archive in memory) and stores it. A request while a build is under way or done is answered
with that build; a new request after a failure starts again.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from certificates.errors import CertificateError
from certificates.models import IssuanceBatch
from certificates.rendering.services import certificate_render
from organizations.access import Actor
from organizations.audit import audit_by

PROGRESS_EVERY = 10  # certificates between progress writes

logger = logging.getLogger(__name__)
Archive = IssuanceBatch.ArchiveStatus


@transaction.atomic
def batch_archive_request(*, actor: Actor, batch: IssuanceBatch) -> IssuanceBatch:
    """Queue the ZIP of the batch's PDFs (once; again only after a failure)."""
    batch = IssuanceBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != IssuanceBatch.Status.COMPLETED:
        raise CertificateError(
            "The batch is still issuing; the ZIP can be made once it has finished.",
            code="batch_not_finished",
            kind="conflict",
        )
    if not batch.issued_count:
        raise CertificateError("The batch issued no certificates.", code="batch_empty", kind="conflict")
    if batch.archive_status in (Archive.PENDING, Archive.RUNNING, Archive.READY):
        return batch
    batch.archive_status = Archive.PENDING
    batch.archive_done = 0
    batch.archive_total = batch.certificates.count()
    batch.archive_requested_at = timezone.now()
    batch.save(update_fields=["archive_status", "archive_done", "archive_total", "archive_requested_at"])
    audit_by(actor, action="batch.archive_requested", organization=batch.organization, target=batch)
    transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from certificates.batches.tasks import build_batch_archive

    try:
        build_batch_archive.apply_async((batch_id,), retry=False)
    except (BrokerUnavailable, OSError):
        logger.warning("broker unavailable; archive of batch %s left pending", batch_id)


def batch_archive_build(*, batch_id: int) -> str:
    """Build the ZIP; safe to run twice (the second run finds the build claimed)."""
    claimed = IssuanceBatch.objects.filter(pk=batch_id, archive_status=Archive.PENDING).update(
        archive_status=Archive.RUNNING, archive_done=0
    )
    if not claimed:
        return "not-runnable"
    batch = IssuanceBatch.objects.get(pk=batch_id)
    try:
        _build(batch)
    except Exception:
        logger.exception("archive of batch %s failed", batch_id)
        IssuanceBatch.objects.filter(pk=batch_id).update(archive_status=Archive.FAILED)
        return Archive.FAILED
    return Archive.READY


def _build(batch: IssuanceBatch) -> None:
    certificates = batch.certificates.select_related("organization", "template").order_by("pk")
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed
            for done, certificate in enumerate(certificates.iterator(chunk_size=200), start=1):
                certificate = certificate_render(certificate=certificate)
                with certificate.pdf.open("rb") as pdf:
                    archive.writestr(f"{certificate.credential_id}.pdf", pdf.read())
                if done % PROGRESS_EVERY == 0:
                    IssuanceBatch.objects.filter(pk=batch.pk).update(archive_done=done)
        spool.seek(0)
        batch.archive.save(f"batch-{batch.pk}-pdfs.zip", File(spool), save=False)
    IssuanceBatch.objects.filter(pk=batch.pk).update(
        archive=batch.archive.name, archive_status=Archive.READY, archive_done=batch.archive_total
    )


def batch_archive_file(batch: IssuanceBatch):
    """The stored ZIP, or a conflict saying how far its build is."""
    if batch.archive_status != Archive.READY or not batch.archive:
        state = Archive(batch.archive_status).label.lower()
        raise CertificateError(
            f"The ZIP is not ready ({state}, {batch.archive_percent} %). Request it, then poll the batch.",
            code="archive_not_ready",
            kind="conflict",
        )
    return batch.archive
