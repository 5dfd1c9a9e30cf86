"""What the issuer sees: delivery states and engagement, per certificate, per batch and over time.
Always scoped to one organization the caller already resolved through the portal."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import Delivery, Engagement, ErrorReport

ENGAGEMENT_KINDS = [k.value for k in Engagement.Kind]
Status = Delivery.Status


def _delivery_counts(deliveries) -> dict:
    return deliveries.aggregate(
        emails=Count("pk"),
        delivered=Count("pk", filter=Q(status=Status.SENT)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        held=Count("pk", filter=Q(status=Status.HELD)),
        pending=Count("pk", filter=Q(status__in=[Status.PENDING, Status.SENDING])),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
    )


def _engagement_totals(engagements) -> dict:
    sums = dict(engagements.values("kind").annotate(n=Sum("count")).values_list("kind", "n"))
    return {kind: sums.get(kind, 0) for kind in ENGAGEMENT_KINDS if kind != "opened"}


def organization_totals(organization_id: int) -> dict:
    return {
        **_delivery_counts(Delivery.objects.filter(organization_id=organization_id, kind="issued")),
        **_engagement_totals(Engagement.objects.filter(organization_id=organization_id)),
    }


def batch_rows(organization_id: int, limit: int = 10) -> list[dict]:
    from certificates.models import IssuanceBatch

    batches = IssuanceBatch.objects.filter(organization_id=organization_id).order_by("-created_at")[:limit]
    rows = []
    for batch in batches:
        deliveries = Delivery.objects.filter(batch_id=batch.pk, kind="issued")
        engagements = Engagement.objects.filter(certificate__batch_id=batch.pk)
        rows.append({"batch": batch, **_delivery_counts(deliveries), **_engagement_totals(engagements)})
    return rows


def certificate_rows(
    organization_id: int, *, status: str = "", query: str = "", limit: int = 50
) -> list[dict]:
    """The latest delivery e-mails with their certificate's engagement counts."""
    deliveries = Delivery.objects.filter(organization_id=organization_id).select_related("certificate")
    if status:
        deliveries = deliveries.filter(status=status)
    if query:
        deliveries = deliveries.filter(
            Q(certificate__credential_id__iexact=query)
            | Q(to__iexact=query)
            | Q(certificate__recipient_name__icontains=query)
        )
    deliveries = list(deliveries.order_by("-created_at", "-pk")[:limit])
    counts: dict[int, dict] = defaultdict(dict)
    for row in (
        Engagement.objects.filter(certificate_id__in={d.certificate_id for d in deliveries})
        .values("certificate_id", "kind")
        .annotate(n=Sum("count"))
    ):
        counts[row["certificate_id"]][row["kind"]] = row["n"]
    return [
        {"delivery": d, **{k: counts[d.certificate_id].get(k, 0) for k in ENGAGEMENT_KINDS}}
        for d in deliveries
    ]


def delivery_for_organization(organization_id: int, pk: int) -> Delivery | None:
    return (
        Delivery.objects.select_related("certificate", "organization")
        .filter(organization_id=organization_id, pk=pk)
        .first()
    )


def error_reports(organization_id: int, limit: int = 20):
    return ErrorReport.objects.filter(organization_id=organization_id).select_related("certificate")[:limit]


def daily_series(organization_id: int, days: int = 30, today: dt.date | None = None) -> dict:
    """Per day over the last `days`: e-mails delivered, and each engagement kind."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    series: dict[str, dict[dt.date, int]] = {"delivered": defaultdict(int)}
    for kind in ENGAGEMENT_KINDS:
        series[kind] = defaultdict(int)
    sent = Delivery.objects.filter(
        organization_id=organization_id, status=Status.SENT, sent_at__date__gte=start
    )
    for sent_at in sent.values_list("sent_at", flat=True):
        series["delivered"][timezone.localtime(sent_at).date()] += 1
    for kind, day, n in (
        Engagement.objects.filter(organization_id=organization_id, day__gte=start)
        .values_list("kind", "day")
        .annotate(n=Sum("count"))
    ):
        series[kind][day] += n
    return {"dates": dates, "series": {name: [values[d] for d in dates] for name, values in series.items()}}
