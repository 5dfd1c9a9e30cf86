"""Which plan an organization is on. Every organization has a subscription row, made on first ask."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from organizations.models import Organization

from .catalog import plan_defaults
from .models import Plan, Subscription

FREE = "free"


def upgrade_url() -> str:
    return f"{settings.SITE_URL}/portal/billing/plans/"


def plan_get(code: str) -> Plan:
    defaults = plan_defaults(code)
    return Plan.objects.get_or_create(code=code, defaults={k: v for k, v in defaults.items() if k != "code"})[
        0
    ]


def subscription_for(organization: Organization) -> Subscription:
    """The organization's subscription, on the default plan when it has none yet."""
    subscription = Subscription.objects.select_related("plan").filter(organization=organization).first()
    if subscription is None:
        plan = plan_get(settings.BILLING_DEFAULT_PLAN)
        Subscription.objects.bulk_create(
            [Subscription(organization=organization, plan=plan)], ignore_conflicts=True
        )
        subscription = Subscription.objects.select_related("plan").get(organization=organization)
    return subscription


def plan_for(organization: Organization, now=None) -> Plan:
    """The plan whose limits apply now: a lapsed grace period counts as free even before the
    sweeper has moved the row (billing.services.subscriptions_downgrade_lapsed)."""
    subscription = subscription_for(organization)
    lapsed = subscription.status == Subscription.Status.PAST_DUE and (
        subscription.grace_until is not None and subscription.grace_until <= (now or timezone.now())
    )
    return plan_get(FREE) if lapsed else subscription.plan
