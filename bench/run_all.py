"""Run every performance figure of DESIGN.md §9 / issue H and print one table.

    .venv/bin/python bench/run_all.py            # all figures (about 10 minutes; the first run
                                                 # also loads 1M search rows, a few minutes more)
    .venv/bin/python bench/run_all.py --quick    # fewer rounds and samples, for a smoke test
    .venv/bin/python bench/run_all.py --only P7  # a subset: P1-P4,P8 (http) P5 P6 P7

Each bench is its own process, run one after the other (they share the 2 cores otherwise):

    P1-P4, P8  bench/http_cpu.py        gunicorn + wrk, server CPU per request from /proc, ratios
    P5         bench/pipeline_bench.py  the pipeline in one process (eager), local OCR
    P5-workers bench/worker_rss_bench.py  real light + images workers: p95 and peak RSS, with Gemini
                                        stubbed (DESIGN §9's condition) and with local OCR
    P6         bench/issuance_bench.py  10,000-row CSV through gunicorn + a Celery worker
    P7         bench/search_bench.py    1M certificates, org-scoped search p95

Needs PostgreSQL on 127.0.0.1:5432 (database certverify_bench is created and migrated on first
use) and Redis on 127.0.0.1:6379 (db 13 cache, db 12 broker); wrk if installed (else a Python
client). Every loop is bounded; each bench has a time limit and the run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import PYTHON, ROOT, load_generator, machine_info, print_table  # noqa: E402

BENCHES = {
    # group: (script, full args, quick args, time limit in seconds)
    "http": ("http_cpu.py", [], ["--rounds", "2", "--seconds", "3", "--zipf-requests", "4000"], 1500),
    "P5": ("pipeline_bench.py", [], [], 1800),
    "P5-workers": ("worker_rss_bench.py", [], ["--runs", "4"], 900),
    "P6": ("issuance_bench.py", [], ["--rows", "2000"], 900),
    "P7": ("search_bench.py", [], ["--queries", "100"], 1800),
}
GROUP_OF = {
    **dict.fromkeys(("P1", "P1-p99", "P1-p99-open", "P2", "P3", "P4", "P8"), "http"),
    **dict.fromkeys(("P5-rss", "P5-rss-ocr", "P5-worker", "P5-worker-ocr"), "P5-workers"),
}
ORDER = [
    "P1", "P1-p99", "P1-p99-open", "P2", "P3", "P4", "P5", "P5-worker", "P5-worker-ocr", "P5-rss", "P5-rss-ocr",
    "P5-rss-eager", "P6", "P7", "P8",
]  # fmt: skip


def run_bench(group: str, quick: bool) -> tuple[list[list[str]], str]:
    script, full, quick_args, limit = BENCHES[group]
    path = HERE / script
    if not path.exists():
        return [[group, f"bench/{script} not present", "-", "-", "not run", ""]], ""
    cmd = [PYTHON, str(path), *(quick_args if quick else full)]
    print(f"\n=== {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            capture_output=True,
            text=True,
            timeout=limit,
        )
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output += f"\n(time limit of {limit} s reached)"
        code = -1
    print(output.rstrip())
    print(f"=== {script}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
    rows = []
    for line in output.splitlines():
        if line.startswith("FIGURE\t"):
            _, key, label, value, goal, status, note = (line.split("\t") + [""] * 7)[:7]
            rows.append([key, label, value, goal, status, note])
    if not rows:
        tail = " | ".join(line.strip() for line in output.strip().splitlines()[-3:])
        rows.append(
            [group, f"bench/{script}: no FIGURE lines (exit {code})", "-", "-", "see output", tail[:160]]
        )
    return rows, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and samples")
    parser.add_argument("--only", help="comma-separated figures or groups, e.g. P1,P7 or http,P6")
    args = parser.parse_args()
    wanted = {w.strip() for w in args.only.split(",")} if args.only else None
    groups = [
        g
        for g in ("http", "P5", "P5-workers", "P6", "P7")
        if wanted is None or g in wanted or any(GROUP_OF.get(w) == g for w in wanted)
    ]
    started = time.monotonic()
    header_machine = machine_info()
    rows: list[list[str]] = []
    for group in groups:
        group_rows, _ = run_bench(group, args.quick)
        rows += group_rows
    rows.sort(key=lambda r: ORDER.index(r[0]) if r[0] in ORDER else len(ORDER))
    print("\n" + "=" * 100)
    print(
        f"CertVerify performance figures ({'quick' if args.quick else 'full'} run, "
        f"{time.monotonic() - started:.0f} s)"
    )
    print(f"machine at start: {header_machine}")
    print(f"machine at end:   {machine_info()}")
    print(f"HTTP load: {load_generator()}; server CPU from /proc; ratios are medians of interleaved rounds\n")
    print_table(rows, ["#", "figure", "value", "goal", "status", "notes"])


if __name__ == "__main__":
    main()
