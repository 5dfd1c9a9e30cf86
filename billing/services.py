"""Writes: starting a checkout, storing a provider's webhook event once, and moving the plan
(activate, renew, payment failed → grace period → free), each with an audit row and an e-mail
to the owners."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.access import Actor
from organizations.audit import audit_by, audit_record
from organizations.models import Membership, Organization
from organizations.roles import Role

from .errors import BillingError
from .models import BillingEvent, CheckoutSession, Invoice, Plan, Subscription
from .plans import FREE, plan_get, subscription_for
from .providers import Checkout, ProviderEvent, provider_get

logger = logging.getLogger(__name__)


def _owner_emails(organization: Organization) -> list[str]:
    return list(
        Membership.objects.filter(organization=organization, role=Role.OWNER, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _tell_owners(organization: Organization, subject: str, body: str) -> None:
    recipients = _owner_emails(organization)
    if recipients:
        transaction.on_commit(
            lambda: send_mail(f"CertVerify: {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
        )


@transaction.atomic
def checkout_start(
    *, actor: Actor, organization: Organization, plan: Plan, provider: str, return_base: str
) -> Checkout:
    """Ask the provider for a checkout of `plan`; only an owner may change what is paid."""
    if not actor.has_role(organization, Role.OWNER):
        raise BillingError("Only an owner may change the plan.", code="permission_denied")
    if not plan.is_paid or not plan.is_public:
        raise BillingError("Choose a paid plan.", field="plan", code="plan_not_for_sale")
    gateway = provider_get(provider)
    checkout = gateway.checkout_create(
        organization=organization,
        plan=plan,
        success_url=f"{return_base}/portal/billing/return/{provider}/",
        cancel_url=f"{return_base}/portal/billing/plans/",
    )
    CheckoutSession.objects.create(
        organization=organization,
        plan=plan,
        provider=provider,
        reference=checkout.reference,
        url=checkout.url,
        created_by=actor.user,
    )
    audit_by(
        actor,
        action="billing.checkout_started",
        organization=organization,
        details={"plan": plan.code, "provider": provider, "reference": checkout.reference},
    )
    return checkout


@transaction.atomic
def checkout_complete(
    *, provider: str, reference: str, subscription_id: str = "", customer_id: str = ""
) -> bool:
    """The payer came back (or the provider said so): move the organization to the plan it paid
    for, once. Returns False when that checkout was already completed or is unknown."""
    claimed = CheckoutSession.objects.filter(
        provider=provider, reference=reference, completed_at__isnull=True
    ).update(completed_at=timezone.now())
    if not claimed:
        return False
    checkout = CheckoutSession.objects.select_related("organization", "plan").get(
        provider=provider, reference=reference
    )
    subscription = Subscription.objects.select_for_update().get(pk=subscription_for(checkout.organization).pk)
    _activate(subscription, checkout.plan, provider, subscription_id or reference, customer_id, None)
    return True


def _activate(
    subscription, plan: Plan, provider: str, provider_subscription_id: str, customer_id: str, period_end
):
    subscription.plan = plan
    subscription.status = Subscription.Status.ACTIVE
    subscription.provider = provider
    subscription.provider_subscription_id = provider_subscription_id or subscription.provider_subscription_id
    subscription.provider_customer_id = customer_id or subscription.provider_customer_id
    subscription.current_period_end = period_end or subscription.current_period_end
    subscription.grace_until = None
    subscription.save()
    organization = subscription.organization
    audit_record(
        action="billing.plan_activated",
        organization=organization,
        target=subscription,
        details={"plan": plan.code, "provider": provider},
    )
    _tell_owners(
        organization,
        f"{organization.name} is on the {plan.name} plan",
        f"Thank you: {organization.name} is now on the {plan.name} plan.\n",
    )


# --- webhook events -------------------------------------------------------------------------------


def billing_event_receive(*, provider: str, body: bytes, headers) -> tuple[BillingEvent | None, bool]:
    """Verify and store a provider's event once (by its id); processing runs in a task after commit.

    A bad signature raises BadSignature and stores nothing; a replay returns (event, False).
    """
    gateway = provider_get(provider)
    event_id, data = gateway.event_verify(body, headers)
    parsed = gateway.event_read(event_id, data)
    try:
        with transaction.atomic():
            event = BillingEvent.objects.create(
                provider=provider,
                event_id=event_id,
                type=parsed.type,
                occurred_at=parsed.occurred_at,
                payload=data,
            )
    except IntegrityError:
        return BillingEvent.objects.get(provider=provider, event_id=event_id), False
    from .tasks import process_billing_event

    transaction.on_commit(lambda: process_billing_event.delay(event.pk))
    return event, True


@transaction.atomic
def billing_event_process(*, event_pk: int) -> str:
    """Apply a stored event once (claimed by a conditional update); an event older than the last one
    applied to the subscription changes nothing."""
    event = (
        BillingEvent.objects.select_for_update(skip_locked=True)
        .filter(pk=event_pk, processed_at__isnull=True)
        .first()
    )
    if event is None:
        return "taken or done"
    outcome = _apply(event.provider, provider_get(event.provider).event_read(event.event_id, event.payload))
    event.processed_at = timezone.now()
    event.outcome = outcome[:200]
    event.save(update_fields=["processed_at", "outcome"])
    return outcome


def _subscription_of(parsed: ProviderEvent) -> Subscription | None:
    """The subscription an event concerns: by the provider's subscription id, else by the
    organization the checkout named (metadata / notes)."""
    if parsed.subscription_id:
        found = Subscription.objects.filter(provider_subscription_id=parsed.subscription_id).first()
        if found is not None:
            return (
                Subscription.objects.select_for_update()
                .select_related("organization", "plan")
                .get(pk=found.pk)
            )
    if parsed.organization_id:
        organization = Organization.objects.filter(pk=parsed.organization_id).first()
        if organization is not None:
            pk = subscription_for(organization).pk
            return Subscription.objects.select_for_update().select_related("organization", "plan").get(pk=pk)
    return None


def _apply(provider: str, parsed: ProviderEvent) -> str:
    if parsed.action == "ignore":
        return f"ignored {parsed.type}"
    subscription = _subscription_of(parsed)
    if subscription is None:
        return "no subscription"
    if subscription.last_event_at and parsed.occurred_at < subscription.last_event_at:
        return "stale: older than the last event applied"
    subscription.last_event_at = parsed.occurred_at
    subscription.save(update_fields=["last_event_at"])
    if parsed.invoice:
        _invoice_record(subscription, provider, parsed)
    handler = {
        "activate": _on_activate,
        "renew": _on_renew,
        "payment_failed": _on_payment_failed,
        "cancel": _on_cancel,
    }
    return handler[parsed.action](subscription, provider, parsed)


def _on_activate(subscription: Subscription, provider: str, parsed: ProviderEvent) -> str:
    if parsed.reference and checkout_complete(
        provider=provider,
        reference=parsed.reference,
        subscription_id=parsed.subscription_id,
        customer_id=parsed.customer_id,
    ):
        return "activated"
    plan = Plan.objects.filter(code=parsed.plan_code).first()
    if plan is None:
        return "activate: already done or unknown plan"
    if subscription.plan_id == plan.pk and subscription.status == Subscription.Status.ACTIVE:
        return "activate: already on the plan"
    _activate(subscription, plan, provider, parsed.subscription_id, parsed.customer_id, parsed.period_end)
    return "activated"


def _on_renew(subscription: Subscription, provider: str, parsed: ProviderEvent) -> str:
    if subscription.plan.code == FREE:  # a renewal of a subscription we already downgraded
        return "renew: not on a paid plan"
    period_end = parsed.period_end
    if period_end and subscription.current_period_end and period_end <= subscription.current_period_end:
        return "renew: period already covered"
    was_past_due = subscription.status == Subscription.Status.PAST_DUE
    subscription.status = Subscription.Status.ACTIVE
    subscription.grace_until = None
    subscription.current_period_end = period_end or subscription.current_period_end
    subscription.save(update_fields=["status", "grace_until", "current_period_end", "updated_at"])
    organization = subscription.organization
    audit_record(
        action="billing.renewed",
        organization=organization,
        target=subscription,
        details={"plan": subscription.plan.code, "until": period_end.isoformat() if period_end else None},
    )
    _tell_owners(
        organization,
        f"{subscription.plan.name} plan renewed",
        f"The {subscription.plan.name} plan of {organization.name} is paid"
        + (f" until {period_end:%d %B %Y}" if period_end else "")
        + (". The failed payment is settled." if was_past_due else ".")
        + "\n",
    )
    return "renewed"


def _on_payment_failed(subscription: Subscription, provider: str, parsed: ProviderEvent) -> str:
    if subscription.plan.code == FREE:
        return "payment failed: not on a paid plan"
    if subscription.status == Subscription.Status.PAST_DUE:
        return "payment failed: already in the grace period"
    subscription.status = Subscription.Status.PAST_DUE
    subscription.grace_until = timezone.now() + settings.BILLING_GRACE
    subscription.save(update_fields=["status", "grace_until", "updated_at"])
    organization = subscription.organization
    audit_record(
        action="billing.payment_failed",
        organization=organization,
        target=subscription,
        details={"plan": subscription.plan.code, "grace_until": subscription.grace_until.isoformat()},
    )
    _tell_owners(
        organization,
        "payment failed",
        f"The payment for the {subscription.plan.name} plan of {organization.name} failed. Unless it is paid by "
        f"{subscription.grace_until:%d %B %Y}, the organization moves to the free plan.\n",
    )
    return "grace period"


def _on_cancel(subscription: Subscription, provider: str, parsed: ProviderEvent) -> str:
    _downgrade(subscription, reason=parsed.type)
    return "downgraded"


def _downgrade(subscription: Subscription, *, reason: str) -> None:
    if subscription.plan.code == FREE:
        return
    previous = subscription.plan
    subscription.plan = plan_get(FREE)
    subscription.status = Subscription.Status.CANCELED
    subscription.grace_until = None
    subscription.save(update_fields=["plan", "status", "grace_until", "updated_at"])
    organization = subscription.organization
    audit_record(
        action="billing.downgraded",
        organization=organization,
        target=subscription,
        details={"from": previous.code, "reason": reason},
    )
    _tell_owners(
        organization,
        "moved to the free plan",
        f"{organization.name} moved from the {previous.name} plan to the free plan ({reason}).\n",
    )


def _invoice_record(subscription: Subscription, provider: str, parsed: ProviderEvent) -> None:
    invoice = parsed.invoice
    Invoice.objects.update_or_create(
        provider=provider,
        number=invoice["number"],
        defaults={
            "organization": subscription.organization,
            "amount_minor": invoice["amount_minor"],
            "currency": invoice["currency"],
            "status": invoice["status"],
            "url": invoice["url"],
            "plan": Plan.objects.filter(code=parsed.plan_code).first() or subscription.plan,
            "period_end": parsed.period_end,
            "created_at": parsed.occurred_at,
        },
    )


def subscriptions_downgrade_lapsed(now: dt.datetime | None = None) -> int:
    """Beat: a subscription whose grace period ended without payment moves to the free plan."""
    now = now or timezone.now()
    lapsed = list(
        Subscription.objects.filter(status=Subscription.Status.PAST_DUE, grace_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in lapsed:
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update().select_related("organization", "plan").get(pk=pk)
            )
            if subscription.status == Subscription.Status.PAST_DUE and subscription.grace_until <= now:
                _downgrade(subscription, reason="grace period ended without payment")
    return len(lapsed)
