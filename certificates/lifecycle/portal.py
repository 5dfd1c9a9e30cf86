"""Portal pages for certificates: the list (search, filters, CSV export), a certificate's page with
its lifecycle actions and the issue form. Bulk issuance is in `batches/portal.py`, the issue form's
preview and the template editor in `designs/portal.py`, signing keys in `signing/portal.py`.

Everything works inside `request.portal.organization`: a certificate, batch or template of another
organization is a 404. Writes call the same services as the API; the templates only hide what the
role cannot do, the services have the last word.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates.batches import selectors as batch_selectors
from certificates.designs import selectors as design_selectors
from certificates.lifecycle import forms, policy, selectors, services
from certificates.lifecycle.listing import CertificateFilter, certificates_csv_response
from certificates.models import Certificate
from certificates.public_status.record import STATUS_WORDS
from certificates.rendering import services as rendering_services
from certificates.signing.keys import QRPayloadError, parse_qr_text
from core.downloads import file_response
from core.errors import DomainError
from core.portal import apply_domain_error, paginate
from organizations.portal import DashboardSection, portal_view
from organizations.roles import Role

CERTIFICATES_PAGE_SIZE = 25
HISTORY_LIMIT = 10
EXPLORERS = {
    137: "https://polygonscan.com/tx/",
    80002: "https://amoy.polygonscan.com/tx/",
    1: "https://etherscan.io/tx/",
    11155111: "https://sepolia.etherscan.io/tx/",
}
QR_FIELD_LABELS = {
    "cid": "Credential id",
    "name": "Name",
    "title": "Course",
    "issued": "Issued",
    "expires": "Expires",
    "org": "Issuer",
}


def _certificates(request):
    return selectors.certificates_for_actor(request.portal.actor).filter(
        organization=request.portal.organization
    )


def _certificate(request, credential_id: str, minimum: str = Role.VIEWER) -> Certificate:
    certificate = selectors.certificate_get_for_actor(request.portal.actor, credential_id, minimum=minimum)
    if certificate.organization_id != request.portal.organization.pk:
        raise Http404("No such certificate.")
    return certificate


def usable_templates(request):
    """The templates this organization may issue with: its own and the shared ones."""
    organization = request.portal.organization
    return design_selectors.templates_for_actor(request.portal.actor).filter(
        Q(organization=organization) | Q(organization__isnull=True)
    )


# --- Dashboard ------------------------------------------------------------------------------------------


def _design_picked(request, *, issued_with_design: int) -> bool:
    """The organization issued a certificate with a design (shared or own), or made one of its own."""
    organization = request.portal.organization
    return issued_with_design > 0 or usable_templates(request).filter(organization=organization).exists()


def certificates_dashboard(request) -> DashboardSection:
    portal = request.portal
    since = timezone.now() - timedelta(days=30)
    counts = _certificates(request).aggregate(
        total=Count("id"),
        recent=Count("id", filter=Q(created_at__gte=since)),
        designed=Count("id", filter=Q(template__isnull=False)),
    )
    tile = {
        "label": "Certificates issued",
        "value": counts["total"],
        "url": reverse("portal:certificates"),
        "hint": f"{counts['recent']} in the last 30 days",
    }
    checklist = []
    if portal.can_admin:  # the templates page is for admins
        checklist.append(
            {
                "key": "pick-design",
                "text": "Pick a design for your certificates",
                "help": "Upload your background and place the fields, or issue with a shared design.",
                "done": _design_picked(request, issued_with_design=counts["designed"]),
                "url": reverse("portal:templates"),
            }
        )
    if portal.can_issue:
        checklist.append(
            {
                "key": "first-certificate",
                "text": "Issue your first certificate",
                "help": "Fill in the form for one person; bulk issue from a spreadsheet comes later.",
                "done": counts["total"] > 0,
                "url": reverse("portal:certificate-issue"),
            }
        )
    return DashboardSection(stats=[tile], checklist=checklist)


# --- List and export -------------------------------------------------------------------------------------


def _filtered_certificates(request):
    """The organization's certificates with the list's filters applied, and the filter form."""
    form = forms.CertificateFilterForm(request.GET or None)
    queryset = _certificates(request).order_by("-issue_date", "-id")
    if form.is_bound:
        form.is_valid()  # invalid fields are shown and ignored by the filter set
        queryset = CertificateFilter(data=request.GET, queryset=queryset, request=request).qs
    batch = None
    batch_id = request.GET.get("batch", "")
    if batch_id.isdigit():
        batch = (
            batch_selectors.batches_for_actor(request.portal.actor)
            .filter(organization=request.portal.organization, pk=int(batch_id))
            .first()
        )
        queryset = queryset.filter(batch=batch) if batch else queryset.none()
    return form, queryset, batch


@portal_view()
@require_GET
def certificate_list_view(request):
    form, queryset, batch = _filtered_certificates(request)
    page = paginate(request, queryset, per_page=CERTIFICATES_PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "batch": batch,
        "filtered": form.is_filtered or batch is not None,
        "export_query": request.GET.urlencode(),
    }
    return render(request, "portal/certificates/list.html", context)


@portal_view()
@require_GET
def certificate_export_view(request):
    """The filtered list as CSV, streamed: the same columns as the API's export."""
    _form, queryset, _batch = _filtered_certificates(request)
    name = f"certificates-{request.portal.organization.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return certificates_csv_response(queryset, name)


# --- Detail and lifecycle -----------------------------------------------------------------------------------


def _qr_info(certificate: Certificate) -> dict | None:
    """What the QR code carries: the verify URL and the signed fields (readable labels)."""
    try:
        parsed = parse_qr_text(certificate.qr_text)
    except QRPayloadError:
        return None
    fields = [(label, parsed.fields.get(key)) for key, label in QR_FIELD_LABELS.items()]
    return {
        "url": parsed.url,
        "key_id": parsed.key_id,
        "fields": fields,
        "length": len(certificate.qr_text),
        "hash_matches": parsed.fields.get("hash") == certificate.content_hash,
    }


def _anchor_info(certificate: Certificate) -> dict:
    anchor = certificate.anchor
    if anchor is None:
        return {"status": "pending"}
    explorer = EXPLORERS.get(anchor.chain_id or 0)
    return {
        "status": anchor.status,
        "anchor": anchor,
        "tx_url": f"{explorer}{anchor.tx_hash}" if explorer and anchor.tx_hash else "",
    }


def _detail_context(request, certificate: Certificate, **forms_) -> dict:
    status = certificate.effective_status
    allowed = policy.allowed_actions(request.portal.actor, certificate)
    return {
        "certificate": certificate,
        "status": status,
        "public_status": STATUS_WORDS[status],
        "anchor": _anchor_info(certificate),
        "qr": _qr_info(certificate),
        "superseded_by": getattr(certificate, "superseded_by", None),
        # The reverse relation of verification.VerificationRequest (certificates does not import it).
        "history": list(certificate.verifications.order_by("-created_at")[:HISTORY_LIMIT]),
        "history_total": certificate.verifications.count(),
        **{f"can_{action}": allowed[action] for action in allowed},
        "unrevoke_until": policy.unrevoke_deadline(certificate),
        "revoke_form": forms_.get("revoke_form") or forms.ReasonForm(prefix="revoke"),
        "suspend_form": forms_.get("suspend_form") or forms.OptionalReasonForm(prefix="suspend"),
    }


@portal_view()
@require_GET
def certificate_detail_view(request, credential_id: str):
    certificate = _certificate(request, credential_id)
    return render(request, "portal/certificates/detail.html", _detail_context(request, certificate))


@portal_view()
@require_GET
def certificate_image_view(request, credential_id: str):
    certificate = rendering_services.certificate_render(certificate=_certificate(request, credential_id))
    return file_response(certificate.image, f"{certificate.credential_id}.png", "image/png", inline=True)


@portal_view()
@require_GET
def certificate_pdf_view(request, credential_id: str):
    certificate = rendering_services.certificate_render(certificate=_certificate(request, credential_id))
    return file_response(certificate.pdf, f"{certificate.credential_id}.pdf", "application/pdf", inline=False)


def _lifecycle(request, credential_id: str, service, *, form_class=None, form_name="", done: str):
    """Run one status change; a form or service error re-renders the page with the error shown."""
    certificate = _certificate(request, credential_id, minimum=Role.ISSUER)
    kwargs, form = {}, None
    if form_class is not None:
        form = form_class(request.POST, prefix=form_name.split("_")[0])
        if not form.is_valid():
            context = _detail_context(request, certificate, **{form_name: form})
            return render(request, "portal/certificates/detail.html", context, status=400)
        kwargs = form.cleaned_data
    try:
        service(actor=request.portal.actor, certificate=certificate, **kwargs)
    except DomainError as exc:
        if form is None or exc.field is None:  # e.g. "already revoked": a banner, not a field error
            messages.error(request, exc.message)
            return redirect("portal:certificate-detail", credential_id=certificate.credential_id)
        apply_domain_error(form, exc)
        context = _detail_context(request, certificate, **{form_name: form})
        return render(request, "portal/certificates/detail.html", context, status=400)
    messages.success(request, done)
    return redirect("portal:certificate-detail", credential_id=certificate.credential_id)


@portal_view(Role.ISSUER)
@require_POST
def certificate_revoke_view(request, credential_id: str):
    return _lifecycle(
        request,
        credential_id,
        services.certificate_revoke,
        form_class=forms.ReasonForm,
        form_name="revoke_form",
        done="The certificate has been revoked. Its public page now says so.",
    )


@portal_view(Role.ADMIN)
@require_POST
def certificate_unrevoke_view(request, credential_id: str):
    return _lifecycle(
        request,
        credential_id,
        services.certificate_unrevoke,
        done="The revocation has been undone; the certificate is valid again.",
    )


@portal_view(Role.ISSUER)
@require_POST
def certificate_suspend_view(request, credential_id: str):
    return _lifecycle(
        request,
        credential_id,
        services.certificate_suspend,
        form_class=forms.OptionalReasonForm,
        form_name="suspend_form",
        done="The certificate is suspended until you lift the suspension.",
    )


@portal_view(Role.ISSUER)
@require_POST
def certificate_unsuspend_view(request, credential_id: str):
    return _lifecycle(
        request,
        credential_id,
        services.certificate_unsuspend,
        done="The suspension has been lifted; the certificate is valid again.",
    )


@portal_view(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def certificate_reissue_view(request, credential_id: str):
    """Issue a corrected copy; the service revokes the old one as superseded."""
    certificate = _certificate(request, credential_id, minimum=Role.ISSUER)
    fields = ("recipient_name", "recipient_email", "title", "issue_date", "expiry_date", "grade")
    initial = {name: getattr(certificate, name) for name in fields}
    initial["template"] = str(certificate.template_id or "")
    form = forms.ReissueForm(request.POST or None, initial=initial, templates=usable_templates(request))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.certificate_reissue(
                actor=request.portal.actor, certificate=certificate, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                f"Reissued as {new.credential_id}; {certificate.credential_id} is revoked "
                "and its public page points to the new certificate.",
            )
            return redirect("portal:certificate-detail", credential_id=new.credential_id)
    return render(request, "portal/certificates/reissue.html", {"form": form, "certificate": certificate})


# --- Issue form and its live preview ------------------------------------------------------------------------


@portal_view(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def certificate_issue_view(request):
    portal = request.portal
    form = forms.IssueForm(
        request.POST or None,
        initial={"issue_date": timezone.localdate()},
        templates=usable_templates(request),
    )
    if request.method == "POST" and form.is_valid():
        started = timezone.now()
        try:
            certificate = services.certificate_issue(
                actor=portal.actor, organization=portal.organization, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if certificate.created_at < started:
                messages.info(
                    request,
                    "A certificate with this reference was issued before; here it is. "
                    "Nothing new was issued.",
                )
            else:
                messages.success(
                    request,
                    f"Certificate {certificate.credential_id} issued to {certificate.recipient_name}.",
                )
            return redirect("portal:certificate-detail", credential_id=certificate.credential_id)
    return render(request, "portal/certificates/issue.html", {"form": form})
