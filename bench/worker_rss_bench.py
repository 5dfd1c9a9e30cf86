"""Peak RSS of real Celery worker processes running the fraud pipeline on 12 MP JPEGs (P5-rss).

    .venv/bin/python bench/worker_rss_bench.py [--runs 6] [--width 4243]

Two workers on the bench broker (Redis) and database (PostgreSQL), production settings with
FRAUD_IMAGES_QUEUE=images, as docker-compose.yml runs them: a light worker (`-Q celery`: the
non-image layers, scoring, events) and an images worker (`-Q images`: stage 1 with QR decoding and
local OCR, ELA, the diff against the original), one process each. Verifications of the same
certificate, upscaled to a 12.7 MP JPEG, are submitted one at a time through the service the API
calls; each is timed from creation to completion (the queue hop included). The peak RSS of each
worker's pool process is its kernel high-water mark (VmHWM in /proc). Gemini is not configured.
BENCH_WORKER_ENV="K=V ..." adds variables to both workers, e.g. MALLOC_MMAP_THRESHOLD_=131072 to
see what glibc's growing mmap threshold costs (measured: ~110 MiB less peak, ~50 % more CPU).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    celery_worker,
    children_of,
    figure_line,
    machine_info,
    percentile,
    setup_django,
    tree_cpu_seconds,
)

IMAGES = "images"
RSS_GOAL_MIB = 300


def high_water_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def twelve_mp_jpeg(png: bytes, width: int) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as page:
        big = page.convert("RGB").resize((width, round(page.height * width / page.width)))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def issue_one():
    from certificates.lifecycle.services import certificate_issue
    from certificates.rendering.services import certificate_render
    from organizations.access import Actor
    from organizations.models import Organization
    from organizations.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    slug = f"rss-bench-{uuid.uuid4().hex[:8]}"
    org = Organization.objects.create(
        name="Northbridge Institute of Technology", slug=slug, country="DE", verification_level="reviewed"
    )
    user = UserFactory(email=f"{slug}@example.com")  # the bench database outlives factory sequences
    actor = Actor(user=MembershipFactory(organization=org, user=user, role=Role.ISSUER).user)
    certificate = certificate_issue(
        actor=actor, organization=org, recipient_name="Frances Allen", title="Applied Machine Learning",
        issue_date=datetime.date(2026, 3, 14), grade="Merit",
    )  # fmt: skip
    return certificate_render(certificate=certificate)


def verify(data: bytes, timeout: float = 120) -> tuple[float, str]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from organizations.access import Actor
    from verification.models import VerificationRequest
    from verification.services import verification_create

    started = time.perf_counter()
    verification = verification_create(
        actor=Actor(ip="203.0.113.9"), upload=SimpleUploadedFile("photo.jpg", data)
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = VerificationRequest.objects.only("status", "verdict").get(pk=verification.pk)
        if row.status in ("completed", "failed"):
            return time.perf_counter() - started, row.verdict or row.status
        time.sleep(0.05)
    raise SystemExit(f"verification {verification.pk} did not finish in {timeout} s")


def gemini_reading() -> dict:
    """What Gemini answers for the bench certificate (the stand-in replays it, as DESIGN §9's
    "Gemini stubbed" asks): the printed fields and the page's text, no manipulation signs."""
    return {
        "issuer": "Northbridge Institute of Technology",
        "recipient_name": "Frances Allen",
        "title": "Applied Machine Learning",
        "issue_date": "14 March 2026",
        "expiry_date": None,
        "grade": "Merit",
        "credential_id": None,  # filled in with the issued id
        "visible_text": "Northbridge Institute of Technology Certificate Frances Allen Applied Machine Learning",
        "manipulation_signs": [],
    }


def measure(data: bytes, runs: int, env: dict[str, str]) -> dict:
    """Run `runs` verifications (after one warm-up) through a light and an images worker."""
    with (
        celery_worker(concurrency=1, queues="celery", **env) as light,
        celery_worker(concurrency=1, queues=IMAGES, flush=False, **env) as heavy,
    ):
        pools = {"light": children_of(light.pid), "images": children_of(heavy.pid)}
        idle = {name: max(high_water_mib(pid) for pid in pids) for name, pids in pools.items()}
        warm_seconds, _ = verify(data)  # first run: lazily built objects (its memory counts in the peak)
        times, verdicts = [], {}
        cpu_before = tree_cpu_seconds(light.pid) + tree_cpu_seconds(heavy.pid)
        for _ in range(runs):
            seconds, verdict = verify(data)
            times.append(seconds)
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        cpu = (tree_cpu_seconds(light.pid) + tree_cpu_seconds(heavy.pid) - cpu_before) / runs
        peaks = {name: max(high_water_mib(pid) for pid in pids) for name, pids in pools.items()}
    return {
        "times": times,
        "verdicts": verdicts,
        "warm": warm_seconds,
        "cpu": cpu,
        "idle": idle,
        "peaks": peaks,
    }


def report(title: str, data: bytes, runs: int, m: dict) -> None:
    times = m["times"]
    print(f"\n{title}")
    print(
        f"  {runs} verifications of a {len(data) / 1e6:.1f} MB 12.7 MP JPEG, one at a time; "
        f"verdicts {m['verdicts']}; first run {m['warm']:.2f} s"
    )
    print(
        f"  created -> completed: p50 {percentile(times, 50):.2f} s, p95 {percentile(times, 95):.2f} s; "
        f"worker CPU {m['cpu']:.2f} s per verification"
    )
    for name in ("light", "images"):
        queue = "celery" if name == "light" else IMAGES
        print(
            f"  {name + ' (-Q ' + queue + ')':<20} pool process RSS: after start {m['idle'][name]:.0f} MiB, "
            f"peak {m['peaks'][name]:.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--width", type=int, default=4243)
    args = parser.parse_args()
    os.environ["FRAUD_IMAGES_QUEUE"] = IMAGES
    setup_django()
    from django.conf import settings

    from tests.fraud.gemini_standin import GeminiStandIn, reply_json

    assert settings.FRAUD_IMAGES_QUEUE == IMAGES and not settings.CELERY_TASK_ALWAYS_EAGER
    certificate = issue_one()
    with certificate.image.open("rb") as fh:
        data = twelve_mp_jpeg(fh.read(), args.width)
    extra = dict(e.split("=", 1) for e in os.environ.get("BENCH_WORKER_ENV", "").split() if e)
    reading = {**gemini_reading(), "credential_id": certificate.credential_id}
    with GeminiStandIn([reply_json(reading)]) as gemini:
        stubbed = measure(
            data,
            args.runs,
            {"FRAUD_IMAGES_QUEUE": IMAGES, "GEMINI_API_KEY": "bench", "GEMINI_BASE_URL": gemini.url, **extra},
        )
        calls = len(gemini.requests)
    local = measure(data, args.runs, {"FRAUD_IMAGES_QUEUE": IMAGES, "GEMINI_API_KEY": "", **extra})
    report(
        f"Gemini stubbed (a local stand-in of its API answered {calls} reading requests)",
        data,
        args.runs,
        stubbed,
    )
    report("Gemini not configured: local OCR reads every page", data, args.runs, local)
    print(machine_info())
    peak = max(stubbed["peaks"].values())
    ocr_peak = local["peaks"]["images"]
    print(
        figure_line(
            "P5-rss", "worker peak RSS, Gemini stubbed (light and images workers)", f"{peak:.0f} MiB",
            f"<= {RSS_GOAL_MIB} MiB", peak <= RSS_GOAL_MIB,
            f"light {stubbed['peaks']['light']:.0f}, images {stubbed['peaks']['images']:.0f} MiB",
        )
    )  # fmt: skip
    print(
        figure_line(
            "P5-rss-ocr", "images worker peak RSS, local OCR instead of Gemini", f"{ocr_peak:.0f} MiB",
            f"<= {RSS_GOAL_MIB} MiB", ocr_peak <= RSS_GOAL_MIB, f"light worker {local['peaks']['light']:.0f} MiB",
        )
    )  # fmt: skip
    for key, label, m in (("P5-worker", "Gemini stubbed", stubbed), ("P5-worker-ocr", "local OCR", local)):
        p95 = percentile(m["times"], 95)
        print(
            figure_line(
                key, f"pipeline p95 through real workers, 12 MP JPEG, {label}", f"{p95:.2f} s", "<= 3 s",
                p95 <= 3.0, f"p50 {percentile(m['times'], 50):.2f} s",
            )
        )  # fmt: skip


if __name__ == "__main__":
    main()
