"""Bulk issuance from CSV.

Columns (header row required, order free, names case-insensitive):

    recipient_name (required), title (required), issue_date (required, YYYY-MM-DD),
    recipient_email, expiry_date (YYYY-MM-DD), grade, external_id, meta_<key> (any number; become
    metadata {"<key>": value})

The job validates every row, issues the valid ones in chunks (each chunk one transaction, so a
row is never half-issued) and records per-row errors with row number, column and message. It is
idempotent: the same file sent again returns the existing batch; a row whose external_id was
issued before is skipped; a crashed job resumes after the last committed chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from billing.models import Metric
from billing.usage import usage_check_batch, usage_reserve_up_to
from certificates.anchoring.services import anchor_enqueue_if_due
from certificates.designs.selectors import template_check_usable
from certificates.errors import CertificateError
from certificates.lifecycle.services import MAX_FUTURE_ISSUE, build_certificate
from certificates.models import Certificate, CertificateTemplate, IssuanceBatch
from certificates.public_status.services import public_status_changed
from certificates.signing.services import signing_key_current
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role
from webhooks.services import event_record

REQUIRED = ("recipient_name", "title", "issue_date")
OPTIONAL = ("recipient_email", "expiry_date", "grade", "external_id")
CHUNK = 500
MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_CSV_COLUMNS = 1_000  # a header of more names is not a list of certificates
# A batch still pending this long after it was stored missed its task (the broker was down); one
# running this long has outlived run_issuance_batch's hard time limit, so its worker died.
STALLED_PENDING = dt.timedelta(minutes=2)
STALLED_RUNNING = dt.timedelta(minutes=35)

logger = logging.getLogger(__name__)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CertificateError(
            "The file is not UTF-8 text. Export the spreadsheet as CSV UTF-8.",
            field="file",
            code="invalid_csv",
        ) from exc


def read_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Parse and check the header; rows are returned raw (validated later, row by row).

    Reads at most one row past CSV_MAX_ROWS and MAX_CSV_COLUMNS names: 10 MB of one-letter lines
    are five million rows (was 20 s and 1.2 GB before the row count was checked).
    """
    text = _decode(data)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if len(reader.fieldnames or []) > MAX_CSV_COLUMNS:
            raise CertificateError(
                f"At most {MAX_CSV_COLUMNS} columns.", field="file", code="too_many_columns"
            )
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = [
            {k: (v or "").strip() for k, v in row.items() if k}
            for row in itertools.islice(reader, settings.CSV_MAX_ROWS + 1)
        ]
    except csv.Error as exc:
        raise CertificateError(
            f"The CSV could not be read: {exc}.", field="file", code="invalid_csv"
        ) from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CertificateError(
            f"Missing required column(s): {', '.join(missing)}.", field="file", code="missing_columns"
        )
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL and not h.startswith("meta_")]
    if unknown:
        raise CertificateError(
            f"Unknown column(s): {', '.join(unknown)}. Extra data goes in meta_<name> columns.",
            field="file",
            code="unknown_columns",
        )
    if not rows:
        raise CertificateError("The file has a header but no rows.", field="file", code="empty_csv")
    if len(rows) > settings.CSV_MAX_ROWS:
        raise CertificateError(
            f"At most {settings.CSV_MAX_ROWS} rows per file.", field="file", code="too_many_rows"
        )
    return header, rows


@transaction.atomic
def batch_start(
    *,
    actor: Actor,
    organization: Organization,
    data: bytes,
    file_name: str = "",
    template: CertificateTemplate | None = None,
) -> tuple[IssuanceBatch, bool]:
    """Store the CSV and enqueue the job. Returns (batch, created); a resent file is not re-run."""
    if not actor.has_role(organization, Role.ISSUER):
        raise CertificateError("Bulk issuance needs the issuer role.", code="permission_denied")
    if len(data) > MAX_CSV_BYTES:
        raise CertificateError("The file is larger than 10 MB.", field="file", code="file_too_large")
    template_check_usable(organization=organization, template=template)
    _header, rows = read_rows(data)
    digest = hashlib.sha256(data).hexdigest()
    existing = organization.issuance_batches.filter(file_sha256=digest).first()
    if existing is not None:
        return existing, False
    usage_check_batch(organization, len(rows))  # refused before any row is issued
    batch = IssuanceBatch(
        organization=organization,
        created_by=actor.user,
        template=template,
        file_name=file_name[:255],
        file_sha256=digest,
        total_rows=len(rows),
    )
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:  # the same file uploaded at the same moment: its batch committed first
        existing = organization.issuance_batches.filter(file_sha256=digest).first()
        if existing is None:
            raise
        return existing, False
    # Stored only by the upload that won the row, so concurrent uploads leave no stray files.
    batch.file.save(f"{digest[:16]}.csv", ContentFile(data), save=False)
    batch.save(update_fields=["file"])
    audit_by(
        actor,
        action="batch.started",
        organization=organization,
        target=batch,
        details={"rows": len(rows), "file": file_name},
    )
    transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch, True


def _enqueue(batch_id: int) -> None:
    from certificates.batches.tasks import run_issuance_batch

    try:
        # No publish retries: the upload must not hang on a dead broker. The batch is stored and
        # stays pending; batch_resume_stalled (beat) starts it once the broker is back.
        run_issuance_batch.apply_async((batch_id,), retry=False)
    except (BrokerUnavailable, OSError):
        logger.warning("broker unavailable; batch %s left for the sweeper", batch_id)


def batch_resume_stalled(now: dt.datetime | None = None) -> int:
    """Enqueue the batches that never started or whose worker died; returns how many.

    Safe with a healthy batch too: batch_process resumes from the stored progress, and rows
    already issued are skipped by their idempotency keys.
    """
    now = now or timezone.now()
    stalled = IssuanceBatch.objects.filter(
        status=IssuanceBatch.Status.PENDING, created_at__lt=now - STALLED_PENDING
    ).values_list("pk", flat=True)
    dead = IssuanceBatch.objects.filter(
        status=IssuanceBatch.Status.RUNNING, started_at__lt=now - STALLED_RUNNING
    ).values_list("pk", flat=True)
    batch_ids = [*stalled, *dead]
    for batch_id in batch_ids:
        _enqueue(batch_id)
    return len(batch_ids)


def _parse_date(value: str, column: str, errors: list) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append((column, f"'{value}' is not a date in the form YYYY-MM-DD."))
        return None


def validate_row(row: dict[str, str]) -> tuple[dict | None, list[tuple[str, str]]]:
    """(issue kwargs, []) for a good row, or (None, [(column, message), ...])."""
    errors: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not row.get(column):
            errors.append((column, f"{column.replace('_', ' ').capitalize()} is required."))
    issue_date = _parse_date(row.get("issue_date", ""), "issue_date", errors)
    expiry_date = _parse_date(row.get("expiry_date", ""), "expiry_date", errors)
    if issue_date and expiry_date and expiry_date < issue_date:
        errors.append(("expiry_date", "The expiry date is before the issue date."))
    if issue_date and issue_date > timezone.localdate() + MAX_FUTURE_ISSUE:
        errors.append(("issue_date", "The issue date is more than a year in the future."))
    email = row.get("recipient_email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("recipient_email", f"'{email}' is not a valid e-mail address."))
    for column, limit in (("recipient_name", 200), ("title", 300), ("grade", 50), ("external_id", 100)):
        if len(row.get(column, "")) > limit:
            errors.append((column, f"At most {limit} characters."))
    if errors:
        return None, errors
    metadata = {k[5:]: v for k, v in row.items() if k.startswith("meta_") and v}
    return {
        "recipient_name": row["recipient_name"],
        "title": row["title"],
        "issue_date": issue_date,
        "expiry_date": expiry_date,
        "recipient_email": email,
        "grade": row.get("grade", ""),
        "external_id": row.get("external_id") or None,
        "metadata": metadata,
    }, []


def batch_process(*, batch_id: int) -> str:
    """Run (or resume) a batch chunk by chunk; safe to run twice or concurrently."""
    claimed = IssuanceBatch.objects.filter(
        pk=batch_id, status__in=[IssuanceBatch.Status.PENDING, IssuanceBatch.Status.RUNNING]
    ).update(status=IssuanceBatch.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return "not-runnable"
    batch = IssuanceBatch.objects.select_related("organization", "template").get(pk=batch_id)
    with batch.file.open("rb") as fh:
        _header, rows = read_rows(fh.read())
    first_rows = _first_row_by_external_id(rows)
    while _process_chunk(batch_id, rows, first_rows):
        pass
    return _finish(batch_id)


def _first_row_by_external_id(rows: list[dict]) -> dict[str, int]:
    first: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if row.get("external_id"):
            first.setdefault(row["external_id"], number)
    return first


@transaction.atomic
def _process_chunk(batch_id: int, rows: list[dict], first_rows: dict[str, int]) -> bool:
    batch = (
        IssuanceBatch.objects.select_for_update(of=("self",))
        .select_related("organization", "template")
        .get(pk=batch_id)
    )
    start = batch.processed_rows
    if batch.status != IssuanceBatch.Status.RUNNING or start >= len(rows):
        return False
    chunk = rows[start : start + CHUNK]
    organization = batch.organization
    key = signing_key_current(organization=organization)
    wanted = {r.get("external_id") for r in chunk if r.get("external_id")}
    already = set(
        organization.certificates.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    new, numbers, errors, skipped = [], [], [], 0
    for offset, row in enumerate(chunk):
        number = start + offset + 2
        kwargs, row_errors = validate_row(row)
        external_id = row.get("external_id")
        if external_id and first_rows.get(external_id) != number:
            row_errors.append(
                (
                    "external_id",
                    f"Duplicate external_id '{external_id}' (first used on row {first_rows[external_id]}).",
                )
            )
            kwargs = None
        if row_errors:
            errors.extend({"row": number, "column": c, "message": m} for c, m in row_errors)
            continue
        if external_id in already:
            skipped += 1
            continue
        numbers.append(number)
        new.append(
            build_certificate(
                organization=organization,
                key=key,
                template=batch.template,
                issued_by=batch.created_by,
                batch=batch,
                **kwargs,
            )
        )
    new, over_limit = _within_plan(organization, new, numbers)
    errors.extend(over_limit)
    new, raced = _insert_skipping_taken(organization, new)
    skipped += raced
    public_status_changed(credential_ids=[certificate.credential_id for certificate in new])  # cached 404s
    failed_rows = len({e["row"] for e in errors})
    batch.processed_rows = start + len(chunk)
    batch.issued_count += len(new)
    batch.skipped_count += skipped
    batch.failed_count += failed_rows
    batch.errors = batch.errors + errors
    batch.save(update_fields=["processed_rows", "issued_count", "skipped_count", "failed_count", "errors"])
    return True


def _within_plan(
    organization: Organization, new: list[Certificate], numbers: list[int]
) -> tuple[list[Certificate], list[dict]]:
    """The rows the plan's monthly limit still allows; the rest are reported as row errors."""
    granted = usage_reserve_up_to(organization, Metric.CERTIFICATES, len(new))
    message = "Not issued: the plan's monthly certificate limit is reached."
    refused = [{"row": number, "column": "", "message": message} for number in numbers[granted:]]
    return new[:granted], refused


def _insert_skipping_taken(
    organization: Organization, certificates: list[Certificate]
) -> tuple[list[Certificate], int]:
    """Insert the chunk; rows whose external_id a concurrent issuance committed first are skipped.

    Returns (the certificates inserted, how many were skipped).
    """
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create(certificates)
        return certificates, 0
    except IntegrityError:
        wanted = [c.external_id for c in certificates if c.external_id]
        taken = set(
            organization.certificates.filter(external_id__in=wanted).values_list("external_id", flat=True)
        )
        if not taken:
            raise
        rest = [c for c in certificates if c.external_id not in taken]
        inserted, skipped = _insert_skipping_taken(organization, rest)
        return inserted, skipped + len(certificates) - len(rest)


@transaction.atomic
def _finish(batch_id: int) -> str:
    batch = (
        IssuanceBatch.objects.select_for_update(of=("self",)).select_related("organization").get(pk=batch_id)
    )
    if batch.status != IssuanceBatch.Status.RUNNING:
        return batch.status
    batch.status = IssuanceBatch.Status.COMPLETED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit_by(
        Actor(user=batch.created_by),
        action="batch.completed",
        organization=batch.organization,
        target=batch,
        details={"issued": batch.issued_count, "failed": batch.failed_count},
    )
    event_record(
        organization=batch.organization,
        type="batch.completed",
        data={
            "batch_id": batch.pk,
            "total_rows": batch.total_rows,
            "issued": batch.issued_count,
            "skipped": batch.skipped_count,
            "failed": batch.failed_count,
        },
    )
    transaction.on_commit(anchor_enqueue_if_due)
    return batch.status


def batch_error_report(batch: IssuanceBatch) -> str:
    """The per-row errors as CSV (row, column, message) for download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "message"])
    for error in batch.errors:
        writer.writerow([error["row"], error["column"], error["message"]])
    return out.getvalue()
