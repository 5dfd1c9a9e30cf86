"""The public pages, open to anyone: the upload form /verify/ and its result page, and a
certificate's page /verify/<credential_id>/ with its image. Staff pages are in portal_views.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from certificates.api import certificate_public_get, certificate_render, public_record
from holders.api import Engagement, engagement_record, is_hidden

STATUS_SENTENCES = {
    "valid": "This certificate is valid.",
    "expired": "This certificate has expired.",
    "revoked": "This certificate has been revoked.",
    "suspended": "This certificate is suspended by its issuer.",
}


def linkedin_add_url(record: dict) -> str:
    issued = record["issue_date"]
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": record["title"],
        "organizationName": record["issuer"]["name"],
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": record["verify_url"],
        "certId": record["credential_id"],
    }
    if record["expiry_date"]:
        params.update(expirationYear=record["expiry_date"].year, expirationMonth=record["expiry_date"].month)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@require_GET
def certificate_page(request, credential_id: str):
    try:
        certificate = certificate_public_get(credential_id)
    except Http404:
        return render(
            request, "public/certificate_not_found.html", {"credential_id": credential_id}, status=404
        )
    record = public_record(certificate)
    engagement_record(certificate=certificate, kind=Engagement.Kind.VERIFICATION)
    if is_hidden(certificate.pk):  # the holder hid the page: its status is all it still answers
        return render(
            request, "holders/hidden.html", {"record": record, "sentence": STATUS_SENTENCES[record["status"]]}
        )
    context = {
        "certificate": certificate,
        "record": record,
        "sentence": STATUS_SENTENCES[record["status"]],
        "linkedin_url": linkedin_add_url(record),
        "superseded_by": getattr(certificate, "superseded_by", None),
    }
    return render(request, "public/certificate.html", context)


@require_GET
def certificate_image(request, credential_id: str):
    certificate = certificate_public_get(credential_id)
    if is_hidden(certificate.pk):
        raise Http404("The holder has hidden this certificate.")
    certificate = certificate_render(certificate=certificate)
    response = FileResponse(certificate.image.open("rb"), content_type="image/png")
    response["Content-Disposition"] = content_disposition_header(False, f"{certificate.credential_id}.png")
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- the public upload page and its result page ---------------------------------------------------

SESSION_TOKENS = "verification_tokens"


def verify_form(request):
    from django.shortcuts import redirect

    from core.errors import DomainError
    from organizations.access import Actor

    from .errors import VerificationThrottled
    from .forms import VerifyForm
    from .services import verification_create

    form = VerifyForm(request.POST or None, request.FILES or None)
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            verification = verification_create(
                actor=Actor.from_request(request),
                upload=form.cleaned_data.get("file"),
                credential_id=form.cleaned_data.get("credential_id", ""),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            retry_after = exc.retry_after if isinstance(exc, VerificationThrottled) else None
        else:
            tokens = request.session.get(SESSION_TOKENS, {})
            tokens[str(verification.pk)] = verification.access_token
            request.session[SESSION_TOKENS] = dict(list(tokens.items())[-50:])
            return redirect("verify:result", pk=verification.pk)
    status = 429 if retry_after else 400 if form.errors else 200
    response = render(request, "public/verify_form.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def verify_result(request, pk):
    from organizations.access import Actor

    from .explanation import verification_explanation
    from .selectors import access_token_matches, verification_get

    token = request.session.get(SESSION_TOKENS, {}).get(str(pk), "")
    verification = verification_get(Actor.from_request(request), pk, token=token)
    token = token if access_token_matches(verification, token) else ""
    data = verification_explanation(verification, token=token)
    return render(
        request,
        "public/verify_result.html",
        {"v": data, "token": token, "done": verification.status in ("completed", "failed")},
    )
