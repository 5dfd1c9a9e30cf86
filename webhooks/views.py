"""Portal pages for webhooks (admins): endpoints, their signing secrets (shown once), test events,
and every delivery attempt with what was sent and what came back, with redelivery.

Endpoints are looked up within the current organization through the selectors (admin scope), so
another organization's endpoint is a 404. Writes call the same services as the API.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.portal import apply_domain_error, paginate
from organizations.portal import portal_view
from organizations.roles import Role

from . import forms, selectors, services
from .delivery import USER_AGENT, payload
from .models import Endpoint

SECRETS_SESSION_KEY = "portal_new_webhook_secrets"
DELIVERIES_PAGE_SIZE = 20
BODY_EXCERPT = 4000
FIELD_MAP = {"events": "event_types"}


def _endpoints(request):
    return selectors.endpoints_for_actor(request.portal.actor, organization=request.portal.organization.slug)


def _endpoint(request, pk: int) -> Endpoint:
    endpoint = _endpoints(request).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _hold_secret(request, endpoint: Endpoint, secret: str) -> None:
    """Keep the secret only until the next page shows it once (a reload must not show it again)."""
    held = request.session.get(SECRETS_SESSION_KEY, {})
    held[str(endpoint.pk)] = secret
    request.session[SECRETS_SESSION_KEY] = held


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_list_view(request):
    portal = request.portal
    form = forms.EndpointForm(request.POST or None, initial={"event_types": ["certificate.revoked"]})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                actor=portal.actor, organization=portal.organization, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc, FIELD_MAP)
        else:
            _hold_secret(request, endpoint, secret)
            return redirect("portal:webhook-secret", pk=endpoint.pk)
    page = paginate(request, _endpoints(request))
    status = 400 if form.errors else 200
    return render(request, "portal/webhooks/list.html", {"form": form, "page": page}, status=status)


@portal_view(Role.ADMIN)
@never_cache
@require_GET
def webhook_secret_view(request, pk: int):
    endpoint = _endpoint(request, pk)
    held = request.session.get(SECRETS_SESSION_KEY, {})
    secret = held.pop(str(endpoint.pk), None)
    request.session[SECRETS_SESSION_KEY] = held
    if secret is None:
        messages.info(request, "A signing secret is shown only once. Rotate it if you lost it.")
        return redirect("portal:webhook-detail", pk=endpoint.pk)
    return render(request, "portal/webhooks/secret.html", {"endpoint": endpoint, "secret": secret})


def _delivery_rows(page) -> list[dict]:
    """Each attempt with the request body we sent (pretty-printed, cut short) and the response."""
    rows = []
    for delivery in page:
        body = json.dumps(json.loads(payload(delivery.event)), indent=2, ensure_ascii=False)
        rows.append(
            {
                "delivery": delivery,
                "request_body": body[:BODY_EXCERPT] + ("\n…" if len(body) > BODY_EXCERPT else ""),
            }
        )
    return rows


@portal_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_detail_view(request, pk: int):
    portal = request.portal
    endpoint = _endpoint(request, pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = forms.EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(actor=portal.actor, endpoint=endpoint, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc, FIELD_MAP)
        else:
            messages.success(request, "The endpoint has been saved.")
            return redirect("portal:webhook-detail", pk=endpoint.pk)
    page = paginate(request, selectors.deliveries_for_endpoint(endpoint), per_page=DELIVERIES_PAGE_SIZE)
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "rows": _delivery_rows(page),
        "user_agent": USER_AGENT,
    }
    return render(request, "portal/webhooks/detail.html", context, status=400 if form.errors else 200)


def _act(request, pk: int, action, success: str):
    """Run `action(endpoint)`; a service refusal becomes an error message on the endpoint's page."""
    endpoint = _endpoint(request, pk)
    try:
        result = action(endpoint)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if success:
            messages.success(request, success)
        return endpoint, result
    return endpoint, None


@portal_view(Role.ADMIN)
@require_POST
def webhook_toggle_view(request, pk: int):
    """Disable an endpoint (queued attempts are cancelled) or enable it again."""
    endpoint = _endpoint(request, pk)
    enable = not endpoint.is_active
    try:
        services.endpoint_update(actor=request.portal.actor, endpoint=endpoint, is_active=enable)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "The endpoint is enabled again."
            if enable
            else "The endpoint is disabled; queued deliveries were cancelled.",
        )
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@portal_view(Role.ADMIN)
@require_POST
def webhook_rotate_view(request, pk: int):
    endpoint, result = _act(
        request, pk, lambda e: services.endpoint_rotate_secret(actor=request.portal.actor, endpoint=e), ""
    )
    if result is None:
        return redirect("portal:webhook-detail", pk=endpoint.pk)
    _hold_secret(request, endpoint, result[1])
    return redirect("portal:webhook-secret", pk=endpoint.pk)


@portal_view(Role.ADMIN)
@require_POST
def webhook_test_view(request, pk: int):
    endpoint, _delivery = _act(
        request,
        pk,
        lambda e: services.endpoint_send_test(actor=request.portal.actor, endpoint=e),
        "A test event was sent. Its attempt is at the top of the deliveries below.",
    )
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@portal_view(Role.ADMIN)
@require_POST
def webhook_delete_view(request, pk: int):
    endpoint = _endpoint(request, pk)
    services.endpoint_delete(actor=request.portal.actor, endpoint=endpoint)
    messages.success(request, f"The endpoint {endpoint.url} has been deleted.")
    return redirect("portal:webhooks")


@portal_view(Role.ADMIN)
@require_POST
def webhook_redeliver_view(request, pk: int, delivery_id):
    endpoint = _endpoint(request, pk)
    delivery = selectors.delivery_get_for_endpoint(endpoint, delivery_id)
    try:
        services.delivery_redeliver(actor=request.portal.actor, delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The {delivery.event.type} event was sent again with the same webhook-id.")
    return redirect("portal:webhook-detail", pk=endpoint.pk)
