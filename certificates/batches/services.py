"""Bulk issuance from a spreadsheet (CSV or XLSX).

Fields (header row required, order free, names case-insensitive; other names are mapped by the
column-mapping step, columns.py):

    recipient_name (required), title (required), issue_date (required), recipient_email,
    expiry_date, grade, external_id, meta_<key> (any number; become metadata {"<key>": value})

Dates are read by dates.py (ISO, DD/MM/YYYY or MM/DD/YYYY as the batch chooses, Excel serials,
"30 June 2026"). The job validates every row, issues the valid ones in chunks (each chunk one
transaction, so a row is never half-issued) and records per-row errors with row number, column,
message and the row's original data. It is idempotent: the same file with the same options sent
again returns the existing batch; a row whose external_id was issued before is skipped; a crashed
job resumes after the last committed chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import uuid
from dataclasses import dataclass

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
from certificates.batches import columns
from certificates.batches.dates import DATE_ORDERS, DateProblem, DateReader
from certificates.batches.reading import MAX_COLUMNS, Row, Table, read_table
from certificates.designs.selectors import template_check_usable
from certificates.errors import CertificateError
from certificates.lifecycle.services import MAX_FUTURE_ISSUE, build_certificate
from certificates.models import Certificate, CertificateTemplate, IssuanceBatch
from certificates.public_status.services import public_status_changed
from certificates.rendering.render import PRINTED_FIELDS, printing_problems
from certificates.signing.services import signing_key_current
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from organizations.roles import Role
from webhooks.services import event_record

REQUIRED, OPTIONAL = columns.REQUIRED, columns.OPTIONAL
CHUNK = 500
MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_CSV_COLUMNS = MAX_COLUMNS
PREVIEW_ROWS = 10
PREVIEW_ERROR_ROWS = 50
DRAFT_LIFETIME = dt.timedelta(days=1)
# A batch still pending this long after it was stored missed its task (the broker was down); one
# running this long has outlived run_issuance_batch's hard time limit, so its worker died.
STALLED_PENDING = dt.timedelta(minutes=2)
STALLED_RUNNING = dt.timedelta(minutes=35)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    """How a batch reads its file: the date order and the column mapping (both optional)."""

    date_order: str = ""
    column_map: dict | None = None

    @classmethod
    def checked(cls, date_order: str = "", column_map: dict | None = None) -> Options:
        if date_order not in DATE_ORDERS:
            raise CertificateError(
                f"Choose the date order from: {', '.join(o for o in DATE_ORDERS if o)} (or leave it empty).",
                field="date_order",
                code="invalid",
            )
        if column_map is not None and not (
            isinstance(column_map, dict)
            and len(column_map) <= MAX_COLUMNS
            and all(isinstance(k, str) and isinstance(v, str | None) for k, v in column_map.items())
        ):
            raise CertificateError(
                'The mapping is an object {"column in the file": "field"}.',
                field="column_map",
                code="invalid",
            )
        return cls(date_order, column_map or None)

    def as_json(self) -> dict:
        return {"date_order": self.date_order, "column_map": self.column_map or {}}

    @classmethod
    def of(cls, batch: IssuanceBatch) -> Options:
        stored = batch.options or {}
        return cls(stored.get("date_order", ""), stored.get("column_map") or None)


@dataclass
class Sheet:
    """A read file: its table, the column mapping in force and each row's field values."""

    table: Table
    mapping: dict[str, str]
    dates: DateReader

    @property
    def rows(self) -> list[Row]:
        return self.table.rows

    def values(self, row: Row) -> dict[str, str]:
        return {field: row.data.get(header, "") for header, field in self.mapping.items()}


def read_sheet(data: bytes, options: Options | None = None) -> Sheet:
    """Read, map and bound the file; rows are validated later, one by one."""
    options = options or Options()
    table = read_table(data)
    mapping = columns.resolve(table.header, options.column_map)
    if not table.rows:
        raise CertificateError("The file has a header but no rows.", field="file", code="empty_csv")
    if len(table.rows) > settings.CSV_MAX_ROWS:
        raise CertificateError(
            f"At most {settings.CSV_MAX_ROWS} rows per file.", field="file", code="too_many_rows"
        )
    date_headers = [h for h, f in mapping.items() if f in columns.DATE_FIELDS]
    dates = DateReader.for_values(
        options.date_order, (r.data.get(h, "") for r in table.rows for h in date_headers)
    )
    return Sheet(table, mapping, dates)


def read_rows(data: bytes) -> tuple[list[str], list[Row]]:
    """The mapped header and the rows of a file read with the default options."""
    sheet = read_sheet(data)
    return list(sheet.mapping.values()), sheet.rows


def _digest(data: bytes, options: Options) -> str:
    """The file's identity for idempotency: the same bytes read the same way."""
    digest = hashlib.sha256(data)
    if options != Options():
        digest.update(b"\0" + json.dumps(options.as_json(), sort_keys=True).encode())
    return digest.hexdigest()


def check_upload(*, actor: Actor, organization: Organization, data: bytes, template) -> None:
    if not actor.has_role(organization, Role.ISSUER):
        raise CertificateError("Bulk issuance needs the issuer role.", code="permission_denied")
    if len(data) > MAX_CSV_BYTES:
        raise CertificateError("The file is larger than 10 MB.", field="file", code="file_too_large")
    template_check_usable(organization=organization, template=template)


@transaction.atomic
def batch_start(
    *,
    actor: Actor,
    organization: Organization,
    data: bytes,
    file_name: str = "",
    template: CertificateTemplate | None = None,
    options: Options | None = None,
) -> tuple[IssuanceBatch, bool]:
    """Store the file and enqueue the job. Returns (batch, created); a resent file is not re-run."""
    options = options or Options()
    check_upload(actor=actor, organization=organization, data=data, template=template)
    sheet = read_sheet(data, options)
    digest = _digest(data, options)
    existing = organization.issuance_batches.filter(file_sha256=digest).first()
    if existing is not None:
        return existing, False
    usage_check_batch(organization, len(sheet.rows))  # refused before any row is issued
    batch = IssuanceBatch(
        organization=organization,
        created_by=actor.user,
        template=template,
        file_name=file_name[:255],
        file_sha256=digest,
        total_rows=len(sheet.rows),
        options=options.as_json(),
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
    batch.file.save(f"{digest[:16]}.{sheet.table.kind}", ContentFile(data), save=False)
    batch.save(update_fields=["file"])
    _started(actor, batch, len(sheet.rows))
    return batch, True


def _started(actor: Actor, batch: IssuanceBatch, rows: int) -> None:
    audit_by(
        actor,
        action="batch.started",
        organization=batch.organization,
        target=batch,
        details={"rows": rows, "file": batch.file_name},
    )
    transaction.on_commit(lambda: _enqueue(batch.pk))


# --- the portal's two steps: upload (a draft holds the file), then preview, map and confirm --------


@transaction.atomic
def batch_draft_store(
    *,
    actor: Actor,
    organization: Organization,
    data: bytes,
    file_name: str = "",
    template: CertificateTemplate | None = None,
) -> IssuanceBatch:
    """Keep an upload for its preview and mapping step; nothing is issued until it is confirmed."""
    check_upload(actor=actor, organization=organization, data=data, template=template)
    table = read_table(data)  # an unreadable file is refused now, a mapping problem is shown next
    if not table.rows:
        raise CertificateError("The file has a header but no rows.", field="file", code="empty_csv")
    batch = IssuanceBatch.objects.create(
        organization=organization,
        created_by=actor.user,
        template=template,
        file_name=file_name[:255],
        file_sha256=f"draft-{uuid.uuid4().hex}",
        status=IssuanceBatch.Status.DRAFT,
        total_rows=len(table.rows),
    )
    batch.file.save(f"draft-{batch.pk}.{table.kind}", ContentFile(data), save=False)
    batch.save(update_fields=["file"])
    return batch


def draft_data(batch: IssuanceBatch) -> bytes:
    with batch.file.open("rb") as fh:
        return fh.read()


def draft_table(batch: IssuanceBatch) -> Table:
    return read_table(draft_data(batch))


@transaction.atomic
def batch_draft_confirm(
    *, actor: Actor, batch: IssuanceBatch, options: Options
) -> tuple[IssuanceBatch, bool]:
    """Start the draft with its chosen options; the same file and options issued before answer that batch."""
    batch = (
        IssuanceBatch.objects.select_for_update(of=("self",))
        .select_related("organization", "template")
        .get(pk=batch.pk)
    )
    if batch.status != IssuanceBatch.Status.DRAFT:
        return batch, False
    data = draft_data(batch)
    check_upload(actor=actor, organization=batch.organization, data=data, template=batch.template)
    sheet = read_sheet(data, options)
    digest = _digest(data, options)
    existing = batch.organization.issuance_batches.filter(file_sha256=digest).first()
    if existing is not None:
        batch.file.delete(save=False)
        batch.delete()
        return existing, False
    usage_check_batch(batch.organization, len(sheet.rows))  # refused before any row is issued
    batch.status = IssuanceBatch.Status.PENDING
    batch.file_sha256 = digest
    batch.options = options.as_json()
    batch.total_rows = len(sheet.rows)
    batch.created_at = timezone.now()  # the stalled-batch sweeper counts from the confirmation
    batch.save(update_fields=["status", "file_sha256", "options", "total_rows", "created_at"])
    _started(actor, batch, len(sheet.rows))
    return batch, True


def batch_drafts_purge(now: dt.datetime | None = None) -> int:
    """Delete drafts nobody confirmed within a day (their files too)."""
    old = IssuanceBatch.objects.filter(
        status=IssuanceBatch.Status.DRAFT, created_at__lt=(now or timezone.now()) - DRAFT_LIFETIME
    )
    count = 0
    for batch in old:
        batch.file.delete(save=False)
        batch.delete()
        count += 1
    return count


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


def _parse_date(value: str, column: str, errors: list, dates: DateReader) -> dt.date | None:
    if not value:
        return None
    try:
        return dates.parse(value)
    except DateProblem as exc:
        errors.append((column, str(exc)))
        return None


def validate_row(
    row: dict[str, str], dates: DateReader | None = None, layout: dict | None = None
) -> tuple[dict | None, list[tuple[str, str]]]:
    """(issue kwargs, []) for a good row (fields -> values), or (None, [(column, message), ...]).

    `layout` is the batch's design: a value it cannot print (a glyph no font has, too long for
    its box) is a row error, as it is for a single issue."""
    dates = dates or DateReader()
    errors: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not row.get(column):
            errors.append((column, f"{column.replace('_', ' ').capitalize()} is required."))
    issue_date = _parse_date(row.get("issue_date", ""), "issue_date", errors, dates)
    expiry_date = _parse_date(row.get("expiry_date", ""), "expiry_date", errors, dates)
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
    if not errors:
        errors += printing_problems({name: row.get(name) for name in PRINTED_FIELDS}, layout)
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
        sheet = read_sheet(fh.read(), Options.of(batch))
    first_rows = first_row_by_external_id(sheet)
    while _process_chunk(batch_id, sheet, first_rows):
        pass
    return _finish(batch_id)


def first_row_by_external_id(sheet: Sheet) -> dict[str, int]:
    first: dict[str, int] = {}
    for row in sheet.rows:
        external_id = sheet.values(row).get("external_id")
        if external_id:
            first.setdefault(external_id, row.number)
    return first


def check_row(
    sheet: Sheet, row: Row, first_rows: dict[str, int], layout: dict | None = None
) -> tuple[dict | None, list[tuple[str, str]]]:
    """A row's issue kwargs or its errors, duplicates within the file included; `layout` is the
    batch's design, which must be able to print the row."""
    values = sheet.values(row)
    kwargs, errors = validate_row(values, sheet.dates, layout)
    external_id = values.get("external_id")
    if external_id and first_rows.get(external_id) != row.number:
        errors.append(
            (
                "external_id",
                f"Duplicate external_id '{external_id}' (first used on row {first_rows[external_id]}).",
            )
        )
        kwargs = None
    return kwargs, errors


@transaction.atomic
def _process_chunk(batch_id: int, sheet: Sheet, first_rows: dict[str, int]) -> bool:
    batch = (
        IssuanceBatch.objects.select_for_update(of=("self",))
        .select_related("organization", "template")
        .get(pk=batch_id)
    )
    start = batch.processed_rows
    if batch.status != IssuanceBatch.Status.RUNNING or start >= len(sheet.rows):
        return False
    chunk = sheet.rows[start : start + CHUNK]
    organization = batch.organization
    key = signing_key_current(organization=organization)
    wanted = {sheet.values(r).get("external_id") for r in chunk} - {None, ""}
    already = set(
        organization.certificates.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    new, issued_rows, errors, skipped = [], [], [], 0
    layout = batch.template.layout if batch.template else None
    for row in chunk:
        kwargs, row_errors = check_row(sheet, row, first_rows, layout)
        if row_errors:
            errors.extend(
                {"row": row.number, "column": c, "message": m, "data": row.data} for c, m in row_errors
            )
            continue
        if kwargs["external_id"] in already:
            skipped += 1
            continue
        issued_rows.append(row)
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
    new, over_limit = _within_plan(organization, new, issued_rows)
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
    organization: Organization, new: list[Certificate], rows: list[Row]
) -> tuple[list[Certificate], list[dict]]:
    """The rows the plan's monthly limit still allows; the rest are reported as row errors."""
    granted = usage_reserve_up_to(organization, Metric.CERTIFICATES, len(new))
    message = "Not issued: the plan's monthly certificate limit is reached."
    refused = [
        {"row": row.number, "column": "", "message": message, "data": row.data} for row in rows[granted:]
    ]
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A cell safe to open in a spreadsheet: uploaded text never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _file_header(batch: IssuanceBatch) -> list[str]:
    if not batch.file:
        return []
    try:
        with batch.file.open("rb") as fh:
            return [name for name in read_table(fh.read()).header if name]
    except (CertificateError, OSError, ValueError):
        return []


def batch_error_report(batch: IssuanceBatch) -> str:
    """The per-row errors as CSV: row, column, message, then the row as it was uploaded, its
    columns in the file's order (the stored rows are JSON objects, whose key order the database
    need not keep)."""
    data_columns: list[str] = _file_header(batch)
    for error in batch.errors:
        for name in error.get("data") or {}:
            if name not in data_columns:
                data_columns.append(name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "message", *(_cell(name) for name in data_columns)])
    for error in batch.errors:
        data = error.get("data") or {}
        writer.writerow(
            [
                error["row"],
                error["column"],
                _cell(error["message"]),
                *(_cell(data.get(n, "")) for n in data_columns),
            ]
        )
    return out.getvalue()
