"""The dashboard chart, drawn on the server as SVG (the CSP allows no inline script)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

COLOURS = {
    "delivered": "#1d4ed8",
    "opened": "#7c3aed",
    "view": "#0f766e",
    "download": "#b45309",
    "share": "#be185d",
    "verification": "#475569",
}
LABELS = {
    "delivered": "Delivered",
    "opened": "Opened",
    "view": "Page views",
    "download": "Downloads",
    "share": "Shares",
    "verification": "Verifications",
}
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 36, 28, 12


def _nice_max(value: int) -> int:
    """The axis top: four gridline steps of 1, 2 or 5 × a power of ten, at least `value`."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if 4 * step * magnitude >= value:
                return 4 * step * magnitude
        magnitude *= 10


def line_chart(data: dict) -> SafeString:
    dates, series = data["dates"], data["series"]
    top = _nice_max(max([1, *(max(v, default=0) for v in series.values())]))
    inner_w, inner_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / max(1, len(dates) - 1)

    def point(i: int, v: int) -> str:
        return f"{PAD_LEFT + i * step:.1f},{PAD_TOP + inner_h - inner_h * v / top:.1f}"

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e7eb"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#4a5568">{}</text>',
        (
            (PAD_LEFT, WIDTH - 8, y, y, PAD_LEFT - 4, y + 3, label)
            for label, y in ((top * f // 4, PAD_TOP + inner_h - inner_h * f / 4) for f in range(5))
        ),
    )
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title></polyline>',
        (
            (COLOURS[name], " ".join(point(i, v) for i, v in enumerate(values)), LABELS[name])
            for name, values in series.items()
            if any(values)
        ),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#4a5568">{}</text>',
        (
            (f"{PAD_LEFT + i * step:.1f}", HEIGHT - 10, d.strftime("%-d %b"))
            for i, d in enumerate(dates)
            if (i % 7 == 0 and len(dates) - 1 - i >= 4) or i == len(dates) - 1
        ),
    )
    summary = ", ".join(f"{LABELS[n]} {sum(v)}" for n, v in series.items())
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="none">'
        "{}{}{}</svg>",
        WIDTH,
        HEIGHT,
        f"Last {len(dates)} days: {summary}",
        grid,
        lines,
        ticks,
    )


def legend() -> list[tuple[str, str]]:
    return [(LABELS[k], COLOURS[k]) for k in COLOURS]
