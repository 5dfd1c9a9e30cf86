"""The issuer's delivery page: what happened to the certificates after issue, the message
recipients get (edited and previewed), failures and resends, held batches, holders' reports."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from certificates.models import IssuanceBatch
from core.errors import DomainError
from core.portal import apply_domain_error
from organizations.portal import DashboardSection, portal_view
from organizations.roles import Role

from . import chart, delivery, messages, selectors
from .forms import DeliverySettingsForm

SETTINGS_FIELDS = ("enabled", "hold_batches", "subject", "body", "reminder_days", "remind_organization")


def _preview(organization, subject: str, body: str):
    """The message as the latest certificate's holder (or a sample) would get it."""
    from certificates.models import Certificate

    sample = Certificate.objects.filter(organization=organization).select_related("organization").first()
    if sample is None:
        return None
    return messages.compose(certificate=sample, subject=subject, body=body)


@portal_view(Role.VIEWER)
@require_http_methods(["GET", "POST"])
def delivery_view(request):
    portal = request.portal
    organization = portal.organization
    chosen = delivery.settings_for(organization.pk)
    initial = {name: getattr(chosen, name) for name in SETTINGS_FIELDS}
    form = DeliverySettingsForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST":
        if not portal.can_admin:
            raise Http404("Only admins change the message.")
        if form.is_valid():
            subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
            unknown = messages.unknown_placeholders(subject + body)
            if "preview" in request.POST and not unknown:
                preview = _preview(organization, subject, body)
            else:
                try:
                    delivery.delivery_settings_update(
                        actor=portal.actor, organization=organization, **form.cleaned_data
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    flash.success(request, "Saved. New certificates' e-mails use this message.")
                    return redirect("portal:delivery")
    elif request.GET.get("preview"):
        preview = _preview(organization, chosen.subject, chosen.body)
    status_filter = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    context = {
        "form": form,
        "preview": preview,
        "totals": selectors.organization_totals(organization.pk),
        "chart": chart.line_chart(selectors.daily_series(organization.pk)),
        "legend": chart.legend(),
        "batches": selectors.batch_rows(organization.pk),
        "rows": selectors.certificate_rows(
            organization.pk,
            status=status_filter if status_filter in delivery.Status.values else "",
            query=query[:200],
        ),
        "status_filter": status_filter,
        "query": query,
        "reports": selectors.error_reports(organization.pk),
        "chosen": chosen,
    }
    return render(request, "portal/holders/delivery.html", context, status=400 if form.errors else 200)


@portal_view(Role.ISSUER)
@require_POST
def resend_view(request, pk: int):
    found = selectors.delivery_for_organization(request.portal.organization.pk, pk)
    if found is None:
        raise Http404("No such e-mail.")
    delivery.delivery_resend(actor=request.portal.actor, delivery=found)
    flash.success(request, f"The e-mail to {found.to} is on its way again.")
    return redirect("portal:delivery")


@portal_view(Role.ISSUER)
@require_POST
def batch_release_view(request, pk: int):
    batch = IssuanceBatch.objects.filter(organization=request.portal.organization, pk=pk).first()
    if batch is None:
        raise Http404("No such batch.")
    sent = delivery.batch_release(actor=request.portal.actor, batch=batch)
    flash.success(request, f"Sending {sent} held e-mail{'s' if sent != 1 else ''}.")
    return redirect("portal:delivery")


def delivery_dashboard(request) -> DashboardSection:
    """The dashboard's tile and chart: what recipients did with their certificates."""
    organization_id = request.portal.organization.pk
    totals = selectors.organization_totals(organization_id)
    tile = {
        "label": "Delivered to recipients",
        "value": totals["delivered"],
        "url": reverse("portal:delivery"),
        "hint": f"{totals['opened']} opened · {totals['view']} page views",
    }
    chart_markup = chart.line_chart(selectors.daily_series(organization_id))
    return DashboardSection(
        stats=[tile],
        panels=["portal/holders/_dashboard_panel.html"],
        context={"delivery_chart": chart_markup, "delivery_legend": chart.legend()},
    )
