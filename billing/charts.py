"""The monthly usage chart's geometry, drawn server-side as SVG (no script, no inline style)."""

from __future__ import annotations

import math

# (metric, label, colour) of the two series drawn side by side each month.
SERIES = (
    ("certificates", "Certificates issued", "#2563eb"),
    ("verifications", "Image verifications", "#16a34a"),
)


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def usage_chart(history: list[dict]) -> dict:
    width, height, left, right, top, bottom = 720, 220, 44, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((row[metric] for row in history for metric, _l, _c in SERIES), default=0)
    axis_max = _nice_max(peak)
    slot = plot_w / max(len(history), 1)
    bar_w = slot * 0.32
    bars = []
    for index, row in enumerate(history):
        for offset, (metric, label, colour) in enumerate(SERIES):
            h = plot_h * row[metric] / axis_max
            bars.append(
                {
                    "x": round(left + index * slot + slot * 0.16 + offset * bar_w, 2),
                    "y": round(top + plot_h - h, 2),
                    "width": round(bar_w, 2),
                    "height": round(h, 2),
                    "fill": colour,
                    "title": f"{row['month']:%b %Y}: {row[metric]} {label.lower()}",
                }
            )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "label_y": height - 8,
        "bars": bars,
        "ticks": [
            {"y": round(top + plot_h - plot_h * f, 2), "label": int(axis_max * f)} for f in (0, 0.5, 1)
        ],
        "labels": [
            {"x": round(left + i * slot + slot / 2, 2), "label": f"{row['month']:%b}"}
            for i, row in enumerate(history)
        ],
        "series": [{"label": label, "colour": colour} for _m, label, colour in SERIES],
        "peak": peak,
    }
