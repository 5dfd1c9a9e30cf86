"""The public pages, open to anyone: the upload form /verify/ and its result page, and a
certificate's page /verify/<credential_id>/ with its image. Staff pages are in portal_views.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from certificates.api import certificate_public_get, certificate_render, public_record
from holders.api import Engagement, engagement_record, is_hidden
from verification.templatetags.public_words import status_word

STATUS_SENTENCES = {
    "valid": _("This certificate is valid."),
    "expired": _("This certificate has expired."),
    "revoked": _("This certificate has been revoked."),
    "suspended": _("This certificate is suspended by its issuer."),
}
SUPERSEDED_SENTENCE = _(
    "The issuer replaced this certificate with a corrected one; this one no longer stands, the replacement does."
)


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
    superseded_by = getattr(certificate, "superseded_by", None)
    # A reissue revokes the old certificate; to a reader it was replaced, not withdrawn.
    superseded = superseded_by is not None and record["status"] == "revoked"
    context = {
        "certificate": certificate,
        "record": record,
        "status_word": status_word("superseded" if superseded else record["status"]),
        "sentence": SUPERSEDED_SENTENCE if superseded else STATUS_SENTENCES[record["status"]],
        "superseded": superseded,
        "linkedin_url": linkedin_add_url(record),
        "superseded_by": superseded_by,
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


# --- the landing page, the public upload page and its result page -----------------------------------


@require_GET
def landing_page(request):
    """What CertVerify does for issuers and verifiers, with the verify box (posting to verify_form)."""
    from .forms import VerifyForm

    return render(request, "public/landing.html", {"form": VerifyForm()})


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


IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
FIELD_LABELS = {
    "recipient_name": "Name",
    "credential_id": "Credential id",
    "issue_date": "Issue date",
    "expiry_date": "Expiry date",
}


def _session_verification(request, pk):
    """The verification this browser ran (its token is in the session), or whatever the signed-in
    person may see; 404 otherwise."""
    from organizations.access import Actor

    from .selectors import access_token_matches, verification_get

    token = request.session.get(SESSION_TOKENS, {}).get(str(pk), "")
    verification = verification_get(Actor.from_request(request), pk, token=token)
    return verification, (token if access_token_matches(verification, token) else "")


def _shows_upload(verification) -> bool:
    return (
        bool(verification.upload)
        and not verification.upload_deleted_at
        and verification.upload_content_type in IMAGE_TYPES
    )


def verify_result(request, pk):
    from .explanation import verification_explanation

    verification, token = _session_verification(request, pk)
    data = verification_explanation(verification, token=token)
    comparison = data["comparison"] if isinstance(data["comparison"], list) else []
    certificate = verification.certificate
    context = {
        "v": data,
        "token": token,
        "done": verification.status in ("completed", "failed"),
        "comparison": [
            {**row, "label": FIELD_LABELS.get(row["field"], row["field"].replace("_", " ").capitalize())}
            for row in comparison
        ],
        "upload_url": f"/verify/results/{pk}/upload" if _shows_upload(verification) else "",
        # The issuer's original, beside the upload: only for a document matched to a public certificate.
        "original_url": f"/verify/{certificate.credential_id}/image.png"
        if certificate is not None and data["checked"] != "id" and not is_hidden(certificate.pk)
        else "",
    }
    return render(request, "public/verify_result.html", context)


@require_GET
def verify_result_upload(request, pk):
    """The uploaded image, shown back to the browser that uploaded it (beside the original)."""
    from django.core.files.storage import default_storage

    verification, _ = _session_verification(request, pk)
    if not _shows_upload(verification) or not default_storage.exists(verification.upload.name):
        raise Http404(
            "The uploaded file is not available (deleted after the retention period, or not an image)."
        )
    response = FileResponse(
        default_storage.open(verification.upload.name, "rb"), content_type=verification.upload_content_type
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
