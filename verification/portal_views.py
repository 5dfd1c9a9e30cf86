"""Portal pages for verifications: the list (by verdict), a verification's full explanation with
its heat-maps, and the dashboard's verification chart, verdict mix and forgery alerts.

The portal shows the verifications concerning the current organization (its certificates, or
documents claiming to be from it) and those the person ran themselves. Images (heat-maps, the
uploaded document) are served through views that check access with `verification_get`.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.portal import paginate
from fraud import pipeline_layers
from fraud.matching import FIELD_LABELS
from organizations.portal import DashboardSection, portal_view

from . import selectors
from .explanation import verification_explanation
from .forms import VerificationFilterForm
from .models import VerificationRequest

PAGE_SIZE = 25
CHART_DAYS = 30
ALERT_VERDICTS = ("fraudulent", "suspicious")
# Display order and colours of the verdicts (chart bars and the verdict mix).
VERDICTS = [
    ("authentic", "Authentic", "#1a7f4b"),
    ("suspicious", "Suspicious", "#d97706"),
    ("fraudulent", "Fraudulent", "#c0362c"),
    ("inconclusive", "Inconclusive", "#7c8798"),
    ("not_checked", "Id only (no document)", "#9db4d6"),
    ("", "Not finished", "#c4cad4"),
]
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
QR_LABELS = {
    "cid": "Credential id",
    "name": "Name",
    "title": "Title",
    "issued": "Issued",
    "expires": "Expires",
    "org": "Issuer",
    "kid": "Signing key",
    "hash": "Content hash",
}


def _for_organization(request):
    portal = request.portal
    return selectors.verifications_for_actor(portal.actor).filter(
        Q(organization=portal.organization) | Q(requested_by=request.user)
    )


# --- Dashboard: chart, verdict mix, alerts -----------------------------------------------------------------


def _daily_counts(request, days: int) -> tuple[list, dict[str, int]]:
    """[(date, {verdict: n})] for the last `days` days (oldest first) and the totals per verdict."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        _for_organization(request)
        .filter(organization=request.portal.organization, created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day", "verdict")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_day = {start + timedelta(days=i): {} for i in range(days)}
    totals = {verdict: 0 for verdict, _label, _colour in VERDICTS}
    for row in rows:
        day, verdict, n = row["day"], row["verdict"], row["n"]
        verdict = verdict if verdict in totals else ""
        if day in per_day:
            per_day[day][verdict] = per_day[day].get(verdict, 0) + n
            totals[verdict] += n
    return sorted(per_day.items()), totals


def _short(day) -> str:
    return f"{day.day} {day:%b}"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5, 10, 20, 50 ...)."""
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def verification_chart(days: list) -> dict:
    """Geometry of a stacked bar chart, drawn server-side as SVG (no script, no inline style)."""
    width, height, left, right, top, bottom = 720, 220, 36, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((sum(counts.values()) for _day, counts in days), default=0)
    axis_max = _nice_max(peak)
    slot = plot_w / max(len(days), 1)
    bars = []
    for index, (day, counts) in enumerate(days):
        x, y, segments = left + index * slot + slot * 0.18, top + plot_h, []
        for verdict, label, colour in VERDICTS:
            n = counts.get(verdict, 0)
            if n:
                h = plot_h * n / axis_max
                y -= h
                segments.append(
                    {"y": round(y, 2), "height": round(h, 2), "fill": colour, "label": label, "n": n}
                )
        total = sum(counts.values())
        parts = ", ".join(f"{s['n']} {s['label'].lower()}" for s in segments)
        bars.append(
            {
                "x": round(x, 2),
                "width": round(slot * 0.64, 2),
                "segments": segments,
                "day": day,
                "total": total,
                "title": f"{_short(day)}: {total} verification{'s' * (total != 1)}"
                + (f" ({parts})" if parts else ""),
            }
        )
    ticks = [{"y": round(top + plot_h - plot_h * f, 2), "label": int(axis_max * f)} for f in (0, 0.5, 1)]
    labels = [
        {"x": round(left + i * slot + slot / 2, 2), "label": _short(day)}
        for i, (day, _counts) in enumerate(days)
        if i % 7 == (len(days) - 1) % 7
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "top": top,
        "plot_height": plot_h,
        "label_y": height - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "peak": peak,
    }


def verdict_mix(totals: dict[str, int]) -> dict:
    """A donut: each verdict's share as a stroke dash on one circle."""
    total = sum(totals.values())
    radius = 52
    circumference = 2 * math.pi * radius
    offset, items = 0.0, []
    for verdict, label, colour in VERDICTS:
        n = totals.get(verdict, 0)
        if not n:
            continue
        length = circumference * n / total
        items.append(
            {
                "verdict": verdict or "unfinished",
                "label": label,
                "colour": colour,
                "n": n,
                "percent": round(100 * n / total),
                "dash": f"{length:.2f} {circumference - length:.2f}",
                "offset": f"{-offset:.2f}",
            }
        )
        offset += length
    return {"total": total, "radius": radius, "items": items}


def verifications_dashboard(request) -> DashboardSection:
    days, totals = _daily_counts(request, CHART_DAYS)
    alerts_30 = sum(totals[v] for v in ALERT_VERDICTS)
    alerts = list(
        _for_organization(request)
        .filter(organization=request.portal.organization, verdict__in=ALERT_VERDICTS)
        .order_by("-created_at")[:5]
    )
    list_url = reverse("portal:verifications")
    stats = [
        {"label": "Verifications", "value": sum(totals.values()), "url": list_url, "hint": "Last 30 days"},
        {
            "label": "Forgery alerts",
            "value": alerts_30,
            "url": f"{list_url}?verdict=fraudulent",
            "hint": "Suspicious or fraudulent",
        },
    ]
    return DashboardSection(
        stats=stats,
        panels=["portal/verifications/_dashboard_panels.html"],
        main=["portal/verifications/_dashboard_alerts.html"],
        context={
            "verification_chart": verification_chart(days),
            "verdict_mix": verdict_mix(totals),
            "forgery_alerts": alerts,
        },
    )


# --- List and detail --------------------------------------------------------------------------------------


@portal_view()
@require_GET
def verification_list_view(request):
    form = VerificationFilterForm(request.GET or None)
    queryset = _for_organization(request).order_by("-created_at")
    if form.is_bound and form.is_valid():
        verdict, query = form.cleaned_data["verdict"], form.cleaned_data["q"].strip()
        if verdict == "unfinished":
            queryset = queryset.exclude(status=VerificationRequest.Status.COMPLETED)
        elif verdict:
            queryset = queryset.filter(verdict=verdict)
        if query:
            queryset = queryset.filter(
                Q(certificate__credential_id__icontains=query) | Q(credential_id_input__icontains=query)
            )
    page = paginate(request, queryset, per_page=PAGE_SIZE)
    filtered = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
    return render(
        request, "portal/verifications/list.html", {"form": form, "page": page, "filtered": filtered}
    )


def _verification(request, pk) -> VerificationRequest:
    """The verification if it concerns the current organization or the person ran it; else 404."""
    verification = selectors.verification_get(request.portal.actor, pk)
    concerns_us = verification.organization_id == request.portal.organization.pk
    if not (concerns_us or verification.requested_by_id == request.user.pk):
        raise Http404("No such verification.")
    return verification


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ")).capitalize()


def _comparison(rows) -> list[dict]:
    return [{**row, "label": _label(row["field"])} for row in rows] if isinstance(rows, list) else []


def _seconds(milliseconds: int | None) -> str:
    if milliseconds is None:
        return ""
    return f"{milliseconds} ms" if milliseconds < 1000 else f"{milliseconds / 1000:.1f} s"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _layers(verification: VerificationRequest, data: dict) -> list[dict]:
    """The explanation's layers, with artifact links pointing at the portal's access-checked view."""
    layers = []
    for layer in data["layers"]:
        artifacts = [
            {
                "name": name,
                "url": reverse("portal:verification-artifact", args=[verification.pk, layer["layer"], name]),
                "label": "Difference from the issuer’s original"
                if name == "diff_heatmap"
                else "Error level heat-map",
            }
            for name in layer["artifacts"]
        ]
        layers.append(
            {
                **layer,
                "artifact_list": artifacts,
                "issues": sum(f["severity"] in ("warning", "critical") for f in layer["findings"]),
            }
        )
    return layers


@portal_view()
@require_GET
def verification_detail_view(request, pk):
    verification = _verification(request, pk)
    data = verification_explanation(verification)
    document = data["document_fields"]
    read = [
        {"field": name.replace("_", " "), "value": value} for name, value in (document["read"] or {}).items()
    ]
    context = {
        "verification": verification,
        "v": data,
        "reasons": _unique(data["reasons"] or []),
        "layers": _layers(verification, data),
        "comparison": _comparison(data["comparison"]),
        "qr_fields": [(QR_LABELS.get(k, k), v) for k, v in (document["qr"] or {}).items()],
        "document": document,
        "document_read": read,
        "show_upload": bool(verification.upload) and verification.upload_content_type in IMAGE_TYPES,
        "done": verification.status
        in (VerificationRequest.Status.COMPLETED, VerificationRequest.Status.FAILED),
        "titles": pipeline_layers.titles(),
        "ring": score_ring(verification.score),
        "duration": _seconds(verification.duration_ms),
    }
    return render(request, "portal/verifications/detail.html", context)


def score_ring(score: float | None) -> dict:
    """The score as an arc on a ring (SVG stroke dashes), 0-100."""
    radius = 44
    circumference = 2 * math.pi * radius
    length = circumference * max(0.0, min(100.0, score or 0.0)) / 100
    return {"radius": radius, "dash": f"{length:.2f} {circumference - length:.2f}"}


@portal_view()
@never_cache
@require_GET
def verification_status_view(request, pk):
    """What the detail page polls (verification/poll.js) while the checks run."""
    verification = _verification(request, pk)
    return JsonResponse({"status": verification.status, "verdict": verification.verdict or None})


def _image_response(path: str, content_type: str = "image/png") -> FileResponse:
    if not path or not default_storage.exists(path):
        raise Http404("This image was deleted after the retention period.")
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_view()
@require_GET
def verification_artifact_view(request, pk, layer: str, name: str):
    verification = _verification(request, pk)
    result = next((r for r in verification.layers.all() if r.layer == layer), None)
    return _image_response((result.artifacts or {}).get(name, "") if result else "")


@portal_view()
@require_GET
def verification_upload_view(request, pk):
    """The uploaded document itself: images inline, anything else as a download."""
    verification = _verification(request, pk)
    if not verification.upload or verification.upload_deleted_at:
        raise Http404("The uploaded file was deleted after the retention period.")
    content_type = verification.upload_content_type or "application/octet-stream"
    response = _image_response(verification.upload.name, content_type)
    if content_type not in IMAGE_TYPES:
        response["Content-Disposition"] = content_disposition_header(
            True, verification.upload.name.rsplit("/")[-1]
        )
    return response
