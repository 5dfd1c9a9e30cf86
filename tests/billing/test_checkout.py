"""Paying through Stripe and Razorpay (local stand-ins speaking their HTTP APIs through the official
SDKs) moves the organization to the paid plan; a forged, replayed or out-of-order webhook changes
nothing; a failed payment gives a grace period, then the free plan."""

import datetime as dt
import json
import time

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import BillingEvent, Invoice, Subscription
from billing.plans import subscription_for
from billing.services import subscriptions_downgrade_lapsed
from organizations.models import AuditEvent
from tests.billing.standins import ProviderStandIn, razorpay_signature, stripe_signature

pytestmark = pytest.mark.django_db

STRIPE_KEY, STRIPE_HOOK = "sk_test_standin", "whsec_standin"
RAZORPAY_KEY = ("rzp_test_standin", "razorpay-key-secret")
RAZORPAY_HOOK = "razorpay-webhook-secret"


@pytest.fixture(scope="module")
def standin():
    server = ProviderStandIn(stripe_key=STRIPE_KEY, razorpay_key=RAZORPAY_KEY)
    yield server
    server.close()


@pytest.fixture
def providers(settings, standin):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = STRIPE_KEY, STRIPE_HOOK
    settings.STRIPE_API_BASE = settings.STRIPE_CHECKOUT_BASE = standin.url
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = RAZORPAY_KEY
    settings.RAZORPAY_WEBHOOK_SECRET = RAZORPAY_HOOK
    settings.RAZORPAY_API_BASE = standin.url
    return standin


@pytest.fixture
def portal(client, owner, on_free):
    client.force_login(owner)
    return client


def send_stripe(client, capture, event: dict, *, secret: str = STRIPE_HOOK, timestamp: int | None = None):
    payload = json.dumps(event).encode()
    with capture(execute=True):
        return client.post(
            "/api/v1/billing/webhooks/stripe/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(payload, secret, timestamp),
        )


def send_razorpay(client, capture, event: dict, event_id: str, *, secret: str = RAZORPAY_HOOK):
    payload = json.dumps(event).encode()
    with capture(execute=True):
        return client.post(
            "/api/v1/billing/webhooks/razorpay/",
            data=payload,
            content_type="application/json",
            HTTP_X_RAZORPAY_SIGNATURE=razorpay_signature(payload, secret),
            HTTP_X_RAZORPAY_EVENT_ID=event_id,
        )


def stripe_checkout(portal, standin) -> str:
    response = portal.post("/portal/billing/checkout/", {"plan": "pro", "provider": "stripe"})
    assert response.status_code == 302 and response["Location"].startswith(f"{standin.url}/c/pay/")
    assert f"form-action 'self' {standin.url}" in response["Content-Security-Policy"]
    return response["Location"].rsplit("/", 1)[1]


def test_a_stripe_checkout_moves_the_organization_to_pro_and_lists_the_invoice(
    portal, providers, on_free, owner, django_capture_on_commit_callbacks
):
    session_id = stripe_checkout(portal, providers)
    assert providers.sessions[session_id]["metadata"] == {"organization_id": str(on_free.pk), "plan": "pro"}
    # Back before paying: nothing changes.
    portal.get(f"/portal/billing/return/stripe/?session_id={session_id}")
    assert subscription_for(on_free).plan.code == "free"
    providers.stripe_pay(session_id)
    completed = providers.stripe_event("checkout.session.completed", providers.sessions[session_id])
    response = send_stripe(portal, django_capture_on_commit_callbacks, completed)
    assert response.status_code == 200, response.content
    subscription = subscription_for(on_free)
    assert (subscription.plan.code, subscription.status, subscription.provider) == ("pro", "active", "stripe")
    assert subscription.provider_subscription_id == providers.sessions[session_id]["subscription"]
    assert AuditEvent.objects.filter(organization=on_free, action="billing.plan_activated").count() == 1
    assert mail.outbox[-1].to == [owner.email] and "Pro" in mail.outbox[-1].subject
    # The payer's return after the webhook changes nothing more.
    portal.get(f"/portal/billing/return/stripe/?session_id={session_id}")
    assert AuditEvent.objects.filter(organization=on_free, action="billing.plan_activated").count() == 1
    period_end = int(time.time()) + 30 * 86400
    invoice = providers.stripe_invoice(session_id, status="paid", period_end=period_end)
    send_stripe(portal, django_capture_on_commit_callbacks, providers.stripe_event("invoice.paid", invoice))
    assert Invoice.objects.get(organization=on_free).amount_minor == 4900
    page = portal.get("/portal/billing/plans/").content.decode()
    assert invoice["number"] in page and 'id="current-plan">Pro<' in page


def test_the_stripe_return_alone_activates_when_the_session_is_paid(portal, providers, on_free):
    session_id = stripe_checkout(portal, providers)
    providers.stripe_pay(session_id)
    response = portal.get(f"/portal/billing/return/stripe/?session_id={session_id}")
    assert response.status_code == 302 and subscription_for(on_free).plan.code == "pro"
    assert ("GET", f"/v1/checkout/sessions/{session_id}") in providers.requests


def test_a_razorpay_checkout_with_a_verified_payment_signature_moves_the_organization_to_pro(
    portal, providers, on_free, django_capture_on_commit_callbacks
):
    page = portal.post("/portal/billing/checkout/", {"plan": "pro", "provider": "razorpay"})
    assert (
        page.status_code == 200 and f'action="{providers.url}/v1/checkout/embedded"' in page.content.decode()
    )
    order_id = next(iter(o for o in providers.orders if o in page.content.decode()))
    returned = providers.razorpay_pay(order_id)
    forged = {**returned, "razorpay_signature": razorpay_signature(b"x|y", RAZORPAY_KEY[1])}
    portal.post("/portal/billing/return/razorpay/", forged)
    assert subscription_for(on_free).plan.code == "free"
    portal.post("/portal/billing/return/razorpay/", returned)
    assert subscription_for(on_free).plan.code == "pro"
    # Razorpay's order.paid webhook for the same order is then only recorded, with its invoice.
    event = providers.razorpay_event("order.paid", order_id)
    assert send_razorpay(portal, django_capture_on_commit_callbacks, event, "evt_rzp_1").status_code == 200
    assert AuditEvent.objects.filter(organization=on_free, action="billing.plan_activated").count() == 1
    assert Invoice.objects.get(organization=on_free, provider="razorpay").amount_minor == 4900


def test_a_razorpay_webhook_alone_activates_the_plan(
    portal, providers, on_free, django_capture_on_commit_callbacks
):
    page = portal.post("/portal/billing/checkout/", {"plan": "pro", "provider": "razorpay"}).content.decode()
    order_id = next(o for o in providers.orders if o in page)
    providers.razorpay_pay(order_id)
    send_razorpay(
        portal, django_capture_on_commit_callbacks, providers.razorpay_event("order.paid", order_id), "e-2"
    )
    assert subscription_for(on_free).plan.code == "pro"


def test_forged_signatures_and_stale_timestamps_change_nothing(
    portal, providers, on_free, django_capture_on_commit_callbacks
):
    session_id = stripe_checkout(portal, providers)
    providers.stripe_pay(session_id)
    event = providers.stripe_event("checkout.session.completed", providers.sessions[session_id])
    forged = send_stripe(portal, django_capture_on_commit_callbacks, event, secret="whsec_guess")
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "bad_signature"
    old = send_stripe(portal, django_capture_on_commit_callbacks, event, timestamp=int(time.time()) - 301)
    assert old.status_code == 400
    page = portal.post("/portal/billing/checkout/", {"plan": "pro", "provider": "razorpay"}).content.decode()
    order_id = next(o for o in providers.orders if o in page)
    rzp = providers.razorpay_event("order.paid", order_id)
    assert (
        send_razorpay(portal, django_capture_on_commit_callbacks, rzp, "e-3", secret="guess").status_code
        == 400
    )
    assert not BillingEvent.objects.exists() and subscription_for(on_free).plan.code == "free"


def test_a_replayed_event_is_stored_once_and_applied_once(
    portal, providers, on_free, django_capture_on_commit_callbacks
):
    session_id = stripe_checkout(portal, providers)
    providers.stripe_pay(session_id)
    event = providers.stripe_event("checkout.session.completed", providers.sessions[session_id])
    send_stripe(portal, django_capture_on_commit_callbacks, event)
    failed = providers.stripe_invoice(session_id, status="open", period_end=int(time.time()))
    failure = providers.stripe_event("invoice.payment_failed", failed)
    send_stripe(portal, django_capture_on_commit_callbacks, failure)
    grace_until = subscription_for(on_free).grace_until
    replay = send_stripe(portal, django_capture_on_commit_callbacks, failure)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert BillingEvent.objects.filter(event_id=failure["id"]).count() == 1
    assert subscription_for(on_free).grace_until == grace_until
    assert AuditEvent.objects.filter(organization=on_free, action="billing.payment_failed").count() == 1


def test_an_older_event_arriving_after_a_newer_one_changes_nothing(
    portal, providers, on_free, django_capture_on_commit_callbacks
):
    session_id = stripe_checkout(portal, providers)
    providers.stripe_pay(session_id)
    now = int(time.time())
    completed = providers.stripe_event(
        "checkout.session.completed", providers.sessions[session_id], created=now - 100
    )
    send_stripe(portal, django_capture_on_commit_callbacks, completed)
    subscription = providers.sessions[session_id]["subscription"]
    deleted = providers.stripe_event(
        "customer.subscription.deleted", {"id": subscription, "object": "subscription"}, created=now
    )
    send_stripe(portal, django_capture_on_commit_callbacks, deleted)
    assert subscription_for(on_free).plan.code == "free"
    # A renewal Stripe created before the cancellation, delivered after it.
    late = providers.stripe_invoice(session_id, status="paid", period_end=now + 86400)
    send_stripe(
        portal,
        django_capture_on_commit_callbacks,
        providers.stripe_event("invoice.paid", late, created=now - 50),
    )
    current = subscription_for(on_free)
    assert (current.plan.code, current.status) == ("free", "canceled")
    assert BillingEvent.objects.get(event_id__startswith="evt", type="invoice.paid").outcome.startswith(
        "stale"
    )


def test_a_failed_payment_gives_a_grace_period_then_the_free_plan(
    portal, providers, on_free, owner, django_capture_on_commit_callbacks
):
    session_id = stripe_checkout(portal, providers)
    providers.stripe_pay(session_id)
    send_stripe(
        portal,
        django_capture_on_commit_callbacks,
        providers.stripe_event("checkout.session.completed", providers.sessions[session_id]),
    )
    failed = providers.stripe_invoice(session_id, status="open", period_end=int(time.time()))
    send_stripe(
        portal, django_capture_on_commit_callbacks, providers.stripe_event("invoice.payment_failed", failed)
    )
    subscription = subscription_for(on_free)
    assert subscription.status == Subscription.Status.PAST_DUE and subscription.plan.code == "pro"
    assert "payment failed" in mail.outbox[-1].subject
    assert subscriptions_downgrade_lapsed(now=timezone.now()) == 0  # still in the grace period
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_downgrade_lapsed(now=subscription.grace_until + dt.timedelta(seconds=1))
    assert subscription_for(on_free).plan.code == "free"
    assert AuditEvent.objects.filter(organization=on_free, action="billing.downgraded").exists()
    assert "free plan" in mail.outbox[-1].subject and mail.outbox[-1].to == [owner.email]


def test_the_plans_page_lets_its_forms_go_to_the_providers_checkout_pages(portal, providers):
    policy = portal.get("/portal/billing/plans/")["Content-Security-Policy"]
    assert f"form-action 'self' {providers.url};" in policy and "script-src 'self'" in policy


def test_checkout_is_unavailable_with_a_clear_message_when_no_provider_is_set_up(portal, on_free):
    page = portal.get("/portal/billing/plans/").content.decode()
    assert "Online payment is not set up" in page
    response = portal.post("/portal/billing/checkout/", {"plan": "pro", "provider": "stripe"}, follow=True)
    assert "Stripe checkout is not set up" in response.content.decode()
    assert subscription_for(on_free).plan.code == "free"


def test_only_an_owner_may_start_a_checkout(client, admin_user, on_free, providers):
    client.force_login(admin_user)
    before = len(providers.sessions)
    assert client.post("/portal/billing/checkout/", {"plan": "pro", "provider": "stripe"}).status_code == 403
    assert len(providers.sessions) == before


def test_a_provider_not_set_up_has_no_webhook_endpoint(client):
    response = client.post("/api/v1/billing/webhooks/stripe/", data=b"{}", content_type="application/json")
    assert response.status_code == 404 and not BillingEvent.objects.exists()
