"""The signed report's public pages: the share link /r/<token> (summary, downloads, re-verification),
its JSON and PDF, the upload page /r/verify/, and the result page's "Get a signed report" button.

Private by default: the link is the capability, so every response says noindex, no referrer, no store.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError
from core.throttling import throttle_wait
from organizations.access import Actor

from . import reports
from .public_pages import SESSION_TOKENS
from .report_pdf import report_pdf
from .report_signing import published_keys
from .selectors import verification_get

PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _throttled(request) -> HttpResponse | None:
    """The public lookups' rate, per client address (the API's report endpoints count in it too)."""
    wait = throttle_wait(scope="public_lookup", ident=client_ip(request))
    if wait is None:
        return None
    response = HttpResponse("Too many requests; try again shortly.", status=429, content_type="text/plain")
    response["Retry-After"] = str(wait)
    return response


@require_GET
def report_page(request, share_token: str):
    if limited := _throttled(request):
        return limited
    report = reports.report_get_shared(share_token)
    document = reports.report_document(report)
    key = next((k for k in published_keys() if k["key_id"] == report.key_id), None)
    context = {
        "report": document["report"],
        "signature": document["signature"],
        "check": reports.report_verify(document),
        "key": key,
        "share_url": reports.share_url(report),
        "base": f"/r/{report.share_token}",
    }
    return _private(render(request, "public/report.html", context))


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _private(response)


@require_GET
def report_json(request, share_token: str):
    if limited := _throttled(request):
        return limited
    report = reports.report_get_shared(share_token)
    filename = f"certverify-report-{report.pk}.json"
    return _download(reports.report_document_bytes(report), "application/json", filename)


@require_GET
def report_pdf_download(request, share_token: str):
    if limited := _throttled(request):
        return limited
    report = reports.report_get_shared(share_token)
    pdf = report_pdf(
        document=reports.report_document(report),
        document_bytes=reports.report_document_bytes(report),
        share_url=reports.share_url(report),
    )
    return _download(pdf, "application/pdf", f"certverify-report-{report.pk}.pdf")


@require_http_methods(["GET", "POST"])
def report_verify_page(request):
    """Upload a report JSON and see whether it is genuine and whether the credential has changed."""
    check, error = None, ""
    if request.method == "POST":
        if limited := _throttled(request):
            return limited
        upload = request.FILES.get("report")
        data = upload.read(reports.REPORT_MAX_BYTES + 1) if upload else request.POST.get("text", "").encode()
        try:
            check = reports.report_verify(reports.report_parse(data))
        except DomainError as exc:
            error = exc.message
    status = 400 if error else 200
    return _private(
        render(request, "public/report_verify.html", {"check": check, "error": error}, status=status)
    )


@require_POST
def report_create_from_result(request, pk):
    """The result page's button: sign a report of this verification and open its share link."""
    token = request.session.get(SESSION_TOKENS, {}).get(str(pk), "")
    actor = Actor.from_request(request)
    verification = verification_get(actor, pk, token=token)
    try:
        report = reports.report_create(actor=actor, verification=verification, token=token)
    except DomainError as exc:
        if exc.kind == "not_found":
            raise Http404(exc.message) from None
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain")
    return redirect(f"/r/{report.share_token}")
