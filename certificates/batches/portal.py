"""Portal pages for bulk issuance: the upload, its preview and column mapping, the batch's live
progress, its error report and the ZIP of its PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certificates.batches import archive as batch_archive
from certificates.batches import columns as batch_columns
from certificates.batches import forms as batch_forms
from certificates.batches import preview as batch_preview
from certificates.batches import selectors as batch_selectors
from certificates.batches import services as batches
from certificates.lifecycle.portal import usable_templates
from certificates.models import IssuanceBatch
from core.errors import DomainError
from core.portal import apply_domain_error, paginate
from organizations.portal import portal_view
from organizations.roles import Role

BATCHES_PAGE_SIZE = 10
BATCH_ERRORS_PAGE_SIZE = 50

SAMPLE_CSV = (
    "recipient_name,recipient_email,title,issue_date,expiry_date,grade,external_id,meta_student_number\n"
    "Ada Lovelace,ada@example.edu,MSc Computer Science,2026-06-30,,Distinction,2026-MSC-0001,S1815\n"
    "Alan Turing,alan@example.edu,MSc Computer Science,2026-06-30,2031-06-30,Merit,2026-MSC-0002,S1912\n"
)
CSV_COLUMNS = [
    ("recipient_name", True, "The recipient’s full name, as printed."),
    ("title", True, "The course or programme."),
    (
        "issue_date",
        True,
        "2026-06-30, 30/06/2026 or 06/30/2026 (you choose which), 30 June 2026, or an Excel date.",
    ),
    ("recipient_email", False, "Not printed."),
    ("expiry_date", False, "Like issue_date; empty if it does not expire."),
    ("grade", False, "Printed under the title."),
    (
        "external_id",
        False,
        "Your reference; a row whose reference was issued before is skipped, never duplicated.",
    ),
    ("meta_<name>", False, "Any number of extra columns, stored as metadata “name” (not printed)."),
]
COLUMNS_NOTE = "Other column names are fine: you map them to these in the preview."


def _batches(request):
    return batch_selectors.batches_for_actor(request.portal.actor).filter(
        organization=request.portal.organization
    )


@portal_view(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def bulk_issue_view(request):
    portal = request.portal
    templates = usable_templates(request)
    form = batch_forms.BulkIssueForm(request.POST or None, request.FILES or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            draft = batches.batch_draft_store(
                actor=portal.actor,
                organization=portal.organization,
                data=upload.read(),
                file_name=upload.name or "",
                template=form.cleaned_data["template"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("portal:batch-preview", pk=draft.pk)
    page = paginate(request, _batches(request).select_related("created_by"), per_page=BATCHES_PAGE_SIZE)
    context = {"form": form, "page": page, "columns": CSV_COLUMNS, "columns_note": COLUMNS_NOTE}
    return render(request, "portal/batches/bulk_issue.html", context, status=400 if form.errors else 200)


@portal_view(Role.ISSUER)
@require_GET
def bulk_issue_sample_view(request):
    response = HttpResponse(SAMPLE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "certverify-bulk-issue-example.csv")
    return response


def _preview_context(draft: IssuanceBatch, form) -> dict:
    options = form.options() if form.is_bound and form.is_valid() else form.suggested_options()
    preview = batch_preview.batch_preview(
        organization=draft.organization,
        data=batches.draft_data(draft),
        template=draft.template,
        options=options,
    )
    return {"draft": draft, "form": form, "preview": preview, "options": options}


def _options_form(request, draft: IssuanceBatch):
    header = batches.draft_table(draft).header
    suggested = batch_columns.suggest(header)
    return batch_forms.BatchOptionsForm(request.POST or None, header=header, suggested=suggested)


@portal_view(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def batch_preview_view(request, pk: int):
    """The draft's first rows as they will print, its row errors, the date order and the mapping."""
    draft = batch_selectors.draft_get_for_actor(request.portal.actor, pk)
    if draft is None or draft.organization_id != request.portal.organization.pk:
        raise Http404("No such upload.")
    form = _options_form(request, draft)
    if request.method == "POST" and request.POST.get("action") == "issue" and form.is_valid():
        try:
            batch, created = batches.batch_draft_confirm(
                actor=request.portal.actor, batch=draft, options=form.options()
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if not created:
                messages.info(
                    request,
                    "This exact file was issued before with the same choices, so it was not run again. "
                    "Here is its batch.",
                )
            return redirect("portal:batch-detail", pk=batch.pk)
    context = _preview_context(draft, form)
    return render(request, "portal/batches/preview.html", context, status=400 if form.errors else 200)


def _batch(request, pk: int) -> IssuanceBatch:
    return get_object_or_404(_batches(request).select_related("created_by", "template"), pk=pk)


def batch_progress(batch: IssuanceBatch) -> dict:
    done = batch.status in (IssuanceBatch.Status.COMPLETED, IssuanceBatch.Status.FAILED)
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "percent": batch.progress_percent,
        "total_rows": batch.total_rows,
        "processed_rows": batch.processed_rows,
        "issued": batch.issued_count,
        "skipped": batch.skipped_count,
        "failed": batch.failed_count,
        "errors": len(batch.errors),
        "done": done,
        "archive_status": batch.archive_status,
        "archive_percent": batch.archive_percent,
    }


@portal_view()
@require_GET
def batch_detail_view(request, pk: int):
    batch = _batch(request, pk)
    errors = paginate(request, batch.errors, per_page=BATCH_ERRORS_PAGE_SIZE)
    context = {"batch": batch, "progress": batch_progress(batch), "errors": errors}
    return render(request, "portal/batches/detail.html", context)


@portal_view()
@never_cache
@require_GET
def batch_progress_view(request, pk: int):
    """The progress bar's poll (static/js/batch-progress.js): a few numbers, no page."""
    return JsonResponse(batch_progress(_batch(request, pk)))


@portal_view()
@require_GET
def batch_errors_view(request, pk: int):
    batch = _batch(request, pk)
    response = HttpResponse(batches.batch_error_report(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"batch-{batch.pk}-errors.csv")
    return response


@portal_view(Role.ISSUER)
@require_http_methods(["POST"])
def batch_archive_view(request, pk: int):
    """Ask a worker for the ZIP of the batch's PDFs; the detail page shows its progress."""
    batch = _batch(request, pk)
    try:
        batch_archive.batch_archive_request(actor=request.portal.actor, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:batch-detail", pk=batch.pk)


@portal_view()
@never_cache
@require_GET
def batch_archive_progress_view(request, pk: int):
    """The ZIP's progress bar poll (static/js/batch-progress.js)."""
    batch = _batch(request, pk)
    done = batch.archive_status in (IssuanceBatch.ArchiveStatus.READY, IssuanceBatch.ArchiveStatus.FAILED)
    return JsonResponse({"percent": batch.archive_percent, "done": done, "status": batch.archive_status})


@portal_view()
@require_GET
def batch_archive_download_view(request, pk: int):
    batch = _batch(request, pk)
    try:
        stored = batch_archive.batch_archive_file(batch)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"batch-{batch.pk}-certificates.zip",
        content_type="application/zip",
    )
