"""The holder's pages: the certificate's own page /c/<credential_id>/ (phone first), its
downloads and share links (counted), the e-mail open pixel, and the holder's signed-in list."""

from __future__ import annotations

import base64

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates.api import certificate_public_get, certificate_render, public_record
from core.errors import DomainError

from . import access, conf, sharing
from .engagement import delivery_opened, engagement_record
from .models import Engagement

STATUS_SENTENCES = {
    "valid": _("This certificate is valid."),
    "expired": _("This certificate has expired."),
    "revoked": _("This certificate has been revoked."),
    "suspended": _("This certificate is suspended by its issuer."),
}
NOTHING_TO_SHARE = {
    "expired": _("It has expired, so there is nothing to share or add to a profile."),
    "revoked": _("It was revoked by its issuer, so there is nothing to share or add to a profile."),
    "suspended": _("It is suspended by its issuer, so there is nothing to share until it is reinstated."),
}
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SESSION_KEY = "holder_access"


def _certificate_or_404(credential_id: str):
    return certificate_public_get(credential_id)  # Http404 for an unknown id


def holder_page_context(certificate) -> dict:
    record = public_record(certificate)
    shareable = record["status"] == sharing.SHAREABLE
    context = {
        "certificate": certificate,
        "record": record,
        "sentence": STATUS_SENTENCES[record["status"]],
        "nothing_to_share": NOTHING_TO_SHARE.get(record["status"], ""),
        "shareable": shareable,
        "page_url": sharing.holder_page_url(certificate),
        "credential_url": sharing.credential_url(certificate),
        "superseded_by": getattr(certificate, "superseded_by", None),
    }
    if shareable:
        context["wallet_link"] = sharing.wallet_deep_link(certificate)
        context["wallet_qr"] = mark_safe(sharing.wallet_qr_svg(certificate))  # segno's SVG of our URL
    return context


@require_GET
def holder_page(request, credential_id: str):
    try:
        certificate = _certificate_or_404(credential_id)
    except Http404:
        return render(
            request, "public/certificate_not_found.html", {"credential_id": credential_id}, status=404
        )
    if token := request.GET.get("d"):
        delivery_opened(token=token[:64])
        return redirect("holders:page", credential_id=certificate.credential_id)  # a clean URL to share
    engagement_record(certificate=certificate, kind=Engagement.Kind.VIEW)
    if access.is_hidden(certificate.pk):
        return render(request, "holders/hidden.html", holder_page_context(certificate))
    return render(request, "holders/page.html", holder_page_context(certificate))


def _visible(credential_id: str):
    certificate = _certificate_or_404(credential_id)
    if access.is_hidden(certificate.pk):
        raise Http404("The holder has hidden this certificate.")
    return certificate


@require_GET
def download(request, credential_id: str, kind: str):
    certificate = certificate_render(certificate=_visible(credential_id))
    engagement_record(certificate=certificate, kind=Engagement.Kind.DOWNLOAD)
    field, content_type = (
        (certificate.pdf, "application/pdf") if kind == "pdf" else (certificate.image, "image/png")
    )
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{certificate.credential_id}.{kind}")
    return response


class ShareRedirect(HttpResponseRedirect):
    allowed_schemes = ["https", "mailto"]


@require_GET
def share(request, credential_id: str, channel: str):
    """Count a share and pass the holder on to LinkedIn or their mail program."""
    if channel not in ("linkedin", "email"):
        raise Http404("No such way to share.")
    certificate = _visible(credential_id)
    if public_record(certificate)["status"] != sharing.SHAREABLE:
        return redirect("holders:page", credential_id=certificate.credential_id)
    engagement_record(certificate=certificate, kind=Engagement.Kind.SHARE)
    target = (
        sharing.linkedin_add_url(certificate)
        if channel == "linkedin"
        else sharing.email_share_url(certificate)
    )
    return ShareRedirect(target)


@never_cache
@require_GET
def open_pixel(request, token: str):
    delivery_opened(token=token[:64])
    return HttpResponse(PIXEL, content_type="image/gif")


# --- the holder's own list (after the magic link) --------------------------------------------


def holder_email(request) -> str:
    held = request.session.get(SESSION_KEY) or {}
    until = held.get("until", 0)
    return held.get("email", "") if until > timezone.now().timestamp() else ""


@require_http_methods(["GET", "POST"])
def sign_in(request):
    error, sent = "", False
    if request.method == "POST":
        try:
            access.magic_link_request(email=request.POST.get("email", ""))
            sent = True
        except DomainError as exc:
            error = exc.message
    status = 400 if error else 200
    return render(request, "holders/sign_in.html", {"error": error, "sent": sent}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def magic_link(request, token: str):
    """GET shows a button; POST uses the link (mail scanners that fetch links do not spend it)."""
    if request.method == "GET":
        return render(request, "holders/magic_link.html", {"token": token})
    try:
        email = access.magic_link_consume(token=token)
    except DomainError as exc:
        return render(request, "holders/magic_link.html", {"error": exc.message}, status=400)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "email": email,
        "until": (timezone.now() + conf.HOLDER_SESSION_TTL).timestamp(),
    }
    return redirect("holder:mine")


def _signed_in(view):
    def wrapped(request, *args, **kwargs):
        email = holder_email(request)
        if not email:
            return redirect("holder:sign-in")
        return view(request, email, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@never_cache
@require_GET
@_signed_in
def mine(request, email: str):
    hidden = set(
        access.HolderChoice.objects.filter(
            certificate__recipient_email__iexact=email, hidden=True
        ).values_list("certificate_id", flat=True)
    )
    rows = [
        {"certificate": c, "record": public_record(c), "hidden": c.pk in hidden}
        for c in access.certificates_of(email)[:200]
    ]
    return render(request, "holders/mine.html", {"email": email, "rows": rows})


@require_POST
@_signed_in
def set_hidden(request, email: str, credential_id: str):
    try:
        access.certificate_set_hidden(
            email=email, credential_id=credential_id, hidden=request.POST.get("hidden") == "1"
        )
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return redirect("holder:mine")


@require_http_methods(["GET", "POST"])
@_signed_in
def report_error(request, email: str, credential_id: str):
    certificate = access.certificates_of(email).filter(credential_id=credential_id).first()
    if certificate is None:
        raise Http404("No such certificate among yours.")
    error, sent = "", False
    if request.method == "POST":
        try:
            access.error_report_create(
                email=email, credential_id=credential_id, message=request.POST.get("message", "")
            )
            sent = True
        except DomainError as exc:
            error = exc.message
    context = {"certificate": certificate, "error": error, "sent": sent}
    return render(request, "holders/report.html", context, status=400 if error else 200)
