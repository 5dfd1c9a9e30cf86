"""Portal pages: usage against the plan (bars and a monthly chart), the plans with upgrade
buttons, invoices, and the returns from the providers' checkouts."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.middleware import CONTENT_SECURITY_POLICY
from organizations.portal import portal_view
from organizations.roles import Role

from . import selectors, services
from .charts import usage_chart
from .models import Plan
from .providers import ProviderUnavailable, provider_get, providers_available


@portal_view(Role.VIEWER)
@require_GET
def usage_view(request):
    organization = request.portal.organization
    context = {
        **selectors.billing_overview(organization),
        "rows": selectors.usage_current(organization),
        "chart": usage_chart(selectors.usage_history(organization)),
    }
    return render(request, "portal/billing/usage.html", context)


@portal_view(Role.VIEWER)
@require_GET
def plans_view(request):
    organization = request.portal.organization
    providers = providers_available()
    context = {
        **selectors.billing_overview(organization),
        "plans": selectors.plans_public(),
        "providers": providers,
        "invoices": selectors.invoices_for(organization),
    }
    response = render(request, "portal/billing/plans.html", context)
    return _form_may_go_to(response, *(provider.form_origin() for provider in providers))


@portal_view(Role.OWNER)
@require_POST
def checkout_view(request):
    portal = request.portal
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_public=True)
    try:
        checkout = services.checkout_start(
            actor=portal.actor,
            organization=portal.organization,
            plan=plan,
            provider=request.POST.get("provider", ""),
            return_base=request.build_absolute_uri("/").rstrip("/"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:billing-plans")
    if checkout.form:  # Razorpay's hosted checkout takes a form post (no script on our page)
        response = render(
            request, "portal/billing/razorpay_checkout.html", {"checkout": checkout, "plan": plan}
        )
    else:
        response = redirect(checkout.url)
    return _form_may_go_to(response, checkout.url)


def _form_may_go_to(response, *urls: str):
    """The page's CSP form-action also governs where its form's redirect may lead: allow the
    providers' origins on this one response (the middleware leaves a view's own header alone)."""
    origins = sorted({f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in urls if url})
    if origins:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
        response["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins)
        )
    return response


@require_http_methods(["GET", "POST"])
@csrf_exempt  # Razorpay posts the payer back from its own site; the payment signature is the proof
def checkout_return_view(request, provider: str):
    try:
        gateway = provider_get(provider)
        if provider == "stripe":
            reference = request.GET.get("session_id", "")
            paid = gateway.checkout_paid(reference) if reference else None
        else:
            reference = request.POST.get("razorpay_order_id", "")
            gateway.payment_verify(
                order_id=reference,
                payment_id=request.POST.get("razorpay_payment_id", ""),
                signature=request.POST.get("razorpay_signature", ""),
            )
            paid = {}
    except ProviderUnavailable as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:billing-plans")
    if paid is None:
        messages.info(request, "The payment is not complete yet; the plan changes as soon as it is.")
    else:
        services.checkout_complete(provider=provider, reference=reference, **paid)
        messages.success(request, "Thank you: the payment went through and the plan is active.")
    return redirect("portal:billing-plans")
