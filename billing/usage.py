"""The one usage service: what an organization used this month, counted against its plan.

Every count is one row per organization, metric and month, incremented by a conditional
``UPDATE ... SET used = used + n WHERE used + n <= limit``: concurrent callers never lose an
increment nor pass the limit, and a caller's transaction that rolls back takes its count with it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from organizations.access import Actor
from organizations.models import Organization

from .errors import FeatureNotInPlan, UsageLimitExceeded
from .models import Metric, Plan, UsageCounter
from .plans import plan_for, upgrade_url


def month_of(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now()).replace(day=1)


def _row(organization: Organization, metric: str, month: dt.date):
    UsageCounter.objects.bulk_create(
        [UsageCounter(organization=organization, metric=metric, month=month)], ignore_conflicts=True
    )
    return UsageCounter.objects.filter(organization=organization, metric=metric, month=month)


def _exceeded(
    organization: Organization, plan, metric: str, month: dt.date, amount: int
) -> UsageLimitExceeded:
    used = UsageCounter.objects.filter(organization=organization, metric=metric, month=month).values_list(
        "used", flat=True
    )
    return UsageLimitExceeded(
        metric=metric,
        label=Metric(metric).label,
        limit=plan.limit(metric),
        used=next(iter(used), 0),
        requested=amount,
        plan=plan.name,
        upgrade_url=upgrade_url(),
    )


@transaction.atomic
def usage_reserve(organization: Organization, metric: str, amount: int = 1) -> None:
    """Count `amount` against this month's limit, all or nothing; UsageLimitExceeded (402) if it
    does not fit. Call it inside the transaction of the work it pays for."""
    if amount <= 0:
        return
    plan = plan_for(organization)
    limit = plan.limit(metric)
    month = month_of()
    rows = _row(organization, metric, month)
    if limit is not None:
        rows = rows.alias(after=F("used") + amount).filter(after__lte=limit)
    if not rows.update(used=F("used") + amount):
        raise _exceeded(organization, plan, metric, month, amount)


@transaction.atomic
def usage_reserve_up_to(organization: Organization, metric: str, amount: int) -> int:
    """Count as much of `amount` as still fits this month; returns how much was counted."""
    if amount <= 0:
        return 0
    limit = plan_for(organization).limit(metric)
    row = _row(organization, metric, month_of()).select_for_update().get()
    granted = amount if limit is None else max(0, min(amount, limit - row.used))
    if granted:
        UsageCounter.objects.filter(pk=row.pk).update(used=F("used") + granted)
    return granted


def usage_remaining(organization: Organization, metric: str) -> int | None:
    """What is left this month (None: unlimited). A look, not a reservation."""
    limit = plan_for(organization).limit(metric)
    if limit is None:
        return None
    used = UsageCounter.objects.filter(
        organization=organization, metric=metric, month=month_of()
    ).values_list("used", flat=True)
    return max(0, limit - next(iter(used), 0))


def usage_check_batch(organization: Organization, rows: int) -> None:
    """Before a CSV batch is stored: its size must be in the plan, and under the refuse policy the
    whole batch must fit in what is left this month (else nothing is issued)."""
    plan = plan_for(organization)
    if plan.bulk_max_rows is not None and rows > plan.bulk_max_rows:
        raise FeatureNotInPlan(
            f"Your plan ({plan.name}) issues at most {plan.bulk_max_rows} rows per batch; this file has {rows}.",
            upgrade_url=upgrade_url(),
            field="file",
        )
    remaining = usage_remaining(organization, Metric.CERTIFICATES)
    if plan.over_limit == Plan.OverLimit.REFUSE and remaining is not None and rows > remaining:
        raise _exceeded(organization, plan, Metric.CERTIFICATES, month_of(), rows)


def plan_require_feature(organization: Organization, feature: str, what: str) -> None:
    """FeatureNotInPlan (402) unless the organization's plan has `feature` (a Plan flag)."""
    plan = plan_for(organization)
    if not getattr(plan, feature):
        raise FeatureNotInPlan(
            f"{what} is not part of your plan ({plan.name}).", upgrade_url=upgrade_url(), field=feature
        )


def usage_account_of(actor: Actor) -> Organization | None:
    """Whose account a verification is on: the API key's organization, or the signed-in person's
    first organization; None for an anonymous caller (never limited by a plan)."""
    if actor.api_key is not None:
        return actor.api_key.organization
    org_ids = actor.organization_ids()
    if actor.user is None or not org_ids:
        return None
    return Organization.objects.filter(pk__in=org_ids).order_by("pk").first()


def usage_reserve_for_actor(actor: Actor, metric: str, amount: int = 1) -> None:
    """Count against the acting account's plan; anonymous callers are not counted."""
    organization = usage_account_of(actor)
    if organization is not None:
        usage_reserve(organization, metric, amount)
