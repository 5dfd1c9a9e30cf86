"""The whole fraud pipeline on a 12 MP JPEG of a certificate: p50/p95, per-stage and per-layer time, peak RSS.

    .venv/bin/python bench/pipeline_bench.py [--runs 12] [--width 4243]

A certificate is issued and rendered through the real services in a throwaway test database
(SQLite in memory, or DATABASE_URL's PostgreSQL); its 2000x1414 rendering is upscaled to
4243x3000 (12.7 MP, the certificate's own aspect ratio) and saved as a JPEG at quality 90, like a
phone photo. Each run POSTs it to /api/v1/verifications/ with Django's test client; Celery runs
eagerly, so the request returns when the pipeline is done, and Gemini is not configured (the local
OCR path reads the page). Eager mode runs the six layers one after another in this process:
the figures are the sequential cost; a worker pool on 2 cores can overlap the layers.

Prints, over the timed runs (one warm-up run loads the OCR models and is reported apart):
p50/p95 of the request (upload checks + pipeline) and of the pipeline alone (the server's
started -> completed), CPU seconds per run, the stage-1 split (decode + QR, OCR reading), each
layer's duration (its task: loading the upload and record, then the layer), the process peak RSS
(resource.getrusage, informational) and the machine. Goal (DESIGN.md §9): pipeline p95 <= 3 s; the
worker RSS goal is measured by bench/worker_rss_bench.py.
"""

from __future__ import annotations

import argparse
import functools
import io
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fraud_accuracy import django_setup, issuer_actor, machine_info, test_database  # noqa: E402

P95_GOAL_S, RSS_GOAL_MIB = 3.0, 300


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StageTimer:
    """Wraps the stage-1 steps (QR reading, document reading) to time them; behaviour unchanged."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label].append(time.perf_counter() - started)

        setattr(module, name, timed)


def photo_jpeg(png: bytes, width: int) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as page:
        height = round(page.height * width / page.width)
        big = page.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def submit(client, data: bytes) -> tuple[dict, float, float]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    wall, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/api/v1/verifications/", {"file": SimpleUploadedFile("photo.jpg", data)}, format="multipart"
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert response.status_code == 202, response.content
    return client.get(response.json()["status_url"]).json(), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--width", type=int, default=4243, help="upscaled width (height keeps the ratio)")
    args = parser.parse_args()
    django_setup(shared_file=False)
    from django.conf import settings

    settings.GEMINI_API_KEY = ""  # "Gemini not configured": the local OCR path, no network
    from rest_framework.test import APIClient

    from fraud import context, reading
    from tests.fraud import corpus

    stages = StageTimer()
    stages.wrap(context, "read_qr", "stage 1: decode + QR")
    stages.wrap(reading, "read_document", "stage 1: OCR reading")
    with test_database():
        organization, actor = issuer_actor()
        (certificate,) = corpus.issue_certificates(organization=organization, actor=actor, count=1)
        data = photo_jpeg(corpus.stored_png(certificate), args.width)
        client = APIClient()
        warm_body, warm_wall, _ = submit(client, data)
        rss_after_warmup = peak_rss_mib()
        stages.seconds.clear()
        requests, pipelines, cpus, verdicts = [], [], [], defaultdict(int)
        layers: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.runs):
            body, wall, cpu = submit(client, data)
            requests.append(wall)
            cpus.append(cpu)
            pipelines.append(body["duration_ms"] / 1000)
            verdicts[body["verdict"]] += 1
            for layer in body["layers"]:
                layers[f"{layer['layer']} ({layer['status']})"].append(layer["duration_ms"] / 1000)
    report(
        args,
        data,
        warm_body,
        warm_wall,
        rss_after_warmup,
        requests,
        pipelines,
        cpus,
        verdicts,
        stages,
        layers,
    )


def report(
    args, data, warm_body, warm_wall, rss_warm, requests, pipelines, cpus, verdicts, stages, layers
) -> None:
    height = round(1414 * args.width / 2000)
    print(
        f"pipeline on a {args.width}x{height} JPEG q90 ({args.width * height / 1e6:.1f} MP, {len(data) / 1e6:.1f} MB), "
        f"{args.runs} timed runs, eager, Gemini not configured; verdicts {dict(verdicts)}"
    )
    print(f"warm-up run (loads the OCR models): {warm_wall:.2f} s, verdict {warm_body['verdict']}")
    p95 = percentile(pipelines, 95)
    rows = [
        ("request (upload checks + pipeline)", requests),
        ("pipeline (started -> completed)", pipelines),
        ("CPU seconds per request", cpus),
        *sorted(stages.seconds.items()),
        *sorted(layers.items()),
    ]
    print(f"\n{'':<40} {'p50':>7} {'p95':>7} {'max':>7}   (seconds)")
    for label, values in rows:
        print(f"{label:<40} {percentile(values, 50):7.3f} {percentile(values, 95):7.3f} {max(values):7.3f}")
    rss = peak_rss_mib()
    print()
    print(
        f"pipeline p95 {p95:.2f} s  [goal <= {P95_GOAL_S:.0f} s] {'MET' if p95 <= P95_GOAL_S else 'NOT MET'}"
    )
    print(
        f"process peak RSS {rss:.0f} MiB (after the warm-up run {rss_warm:.0f} MiB): this one process "
        f"also holds Django's test client and every layer; the worker goal (<= {RSS_GOAL_MIB} MiB) is "
        "measured on real workers by bench/worker_rss_bench.py"
    )
    print(
        f"CPU per run median {statistics.median(cpus):.2f} s vs wall {statistics.median(requests):.2f} s "
        "(wall above CPU = waiting for a core on a loaded machine)"
    )
    print(machine_info())
    # Machine-readable lines for bench/run_all.py (same format as bench/_common.figure_line).
    note = f"p50 {percentile(pipelines, 50):.2f} s, CPU {statistics.median(cpus):.2f} s/run, eager (layers in sequence)"
    print(
        figure(
            "P5",
            "fraud pipeline p95, 12 MP JPEG, Gemini off",
            f"{p95:.2f} s",
            "<= 3 s",
            p95 <= P95_GOAL_S,
            note,
        )
    )
    print(
        figure(
            "P5-rss-eager",
            "one process running every layer (eager), peak RSS",
            f"{rss:.0f} MiB",
            "(informational)",
            None,
            "the worker goal is P5-rss: bench/worker_rss_bench.py",
        )
    )


def figure(key: str, label: str, value: str, goal: str, met: bool | None, note: str = "") -> str:
    status = "-" if met is None else ("met" if met else "not met")
    return f"FIGURE\t{key}\t{label}\t{value}\t{goal}\t{status}\t{note}"


if __name__ == "__main__":
    main()
