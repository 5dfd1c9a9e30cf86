"""Reads: what an organization used this month against its plan, and month by month."""

from __future__ import annotations

import datetime as dt

from organizations.models import Organization

from .models import Invoice, Metric, Plan, UsageCounter
from .plans import plan_for, subscription_for
from .usage import month_of


def months_back(count: int, now: dt.datetime | None = None) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, ending with this one."""
    month = month_of(now)
    months = [month]
    for _ in range(count - 1):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


def usage_current(organization: Organization) -> list[dict]:
    """One row per metric: used this month, the plan's limit (None: unlimited), percent used."""
    plan = plan_for(organization)
    used = dict(
        UsageCounter.objects.filter(organization=organization, month=month_of()).values_list("metric", "used")
    )
    rows = []
    for metric in Metric:
        limit = plan.limit(metric.value)
        n = used.get(metric.value, 0)
        percent = None if limit is None else (100 if limit == 0 else min(100, round(100 * n / limit)))
        rows.append(
            {"metric": metric.value, "label": metric.label, "used": n, "limit": limit, "percent": percent}
        )
    return rows


def usage_history(organization: Organization, months: int = 12) -> list[dict]:
    """[{"month": date, "certificates": n, ...}] for the last `months` months, oldest first."""
    wanted = months_back(months)
    counts = UsageCounter.objects.filter(organization=organization, month__gte=wanted[0]).values_list(
        "month", "metric", "used"
    )
    by_month = {month: {"month": month, **{m.value: 0 for m in Metric}} for month in wanted}
    for month, metric, used in counts:
        if month in by_month:
            by_month[month][metric] = used
    return list(by_month.values())


def plans_public() -> list[Plan]:
    return list(Plan.objects.filter(is_public=True))


def invoices_for(organization: Organization) -> list[Invoice]:
    return list(organization.invoices.select_related("plan")[:50])


def billing_overview(organization: Organization) -> dict:
    subscription = subscription_for(organization)
    return {"subscription": subscription, "plan": plan_for(organization), "month": month_of()}
