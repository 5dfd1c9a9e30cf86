"""Forensics for documents from issuers we have never seen (issue N): accuracy, calibration, cost.

    .venv/bin/python bench/forensics_accuracy.py [--seeds 1 2] [--per-design 1] [--jobs 2]
    .venv/bin/python bench/forensics_accuracy.py --calibrate [--seeds 101 102]
    .venv/bin/python bench/forensics_accuracy.py --speed-only
    .venv/bin/python bench/forensics_accuracy.py --main-bench [--jobs 1]

Builds tests/fraud/unknown_issuer_corpus.py for each seed (9 designs x `--per-design` documents:
22 genuine arrivals and 7 kinds of edit each), reads every document as stage 1 does (local OCR,
fraud/reading.py) and runs the layers an unknown issuer's document gets (metadata, ela, vision,
forensics) and fraud/scoring.py, without a database (no issuer matches). Prints:

* per kind: count, share flagged (`suspicious` or `fraudulent`), share `fraudulent`, median
  forensic likelihood; genuine kinds first (flagged = false alarms);
* the ROC-AUC of the trust score (the pipeline's score before it is hidden for an inconclusive
  verdict), genuine against edited, with and without the forensics layer (today's pipeline);
* the goals of issue N (AUC >= 0.95, edited flagged >= 85 % overall and >= 70 % per kind, genuine
  flagged <= 3 % and never fraudulent);
* the CPU seconds the forensics layer adds to one 12 MP JPEG and the memory it allocates
  (tracemalloc peak, numpy included), goal <= 0.5 CPU-s;
* the images worker's memory on that JPEG with and without the forensics layer: a fresh process
  each time doing what an images worker's pool process does (OCR models loaded at start; stage 1,
  ela and forensics on their own copies of the upload, the heap trimmed after each), its resident
  memory after start and its peak (VmHWM in /proc), so the layer's cost is the difference.

With --main-bench, only the unknown-issuer documents of bench/fraud_accuracy.py (the project's
renderer; 12 genuine, 18 edited) go through the same layers, in about a minute instead of that
bench's several.

With --calibrate, only genuine documents are built (use seeds the accuracy run does not) and the
largest statistic of each analysis is printed: fraud/forensics/calibration.py GENUINE_MAX.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# As the Dockerfile runs the workers: one BLAS thread per process (more only spin against the others).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

LAYERS = ("metadata", "ela", "vision", "forensics")
DETECTED = ("suspicious", "fraudulent")
AUC_GOAL, FLAGGED_GOAL, KIND_GOAL, FALSE_ALARM_GOAL, CPU_GOAL = 0.95, 0.85, 0.70, 0.03, 0.5


def setup() -> None:
    import django

    django.setup()


def judge(item) -> dict:
    """Stage 1 and the unknown-issuer layers on one document, as the pipeline runs them."""
    from fraud import pipeline_layers
    from fraud.layers.base import Extracted, LayerContext, Upload
    from fraud.reading import read_document
    from fraud.scoring import score

    upload = Upload(item.data, item.content_type, item.filename)
    vision = _cached(item.data, lambda: read_document(upload))
    ctx = LayerContext("bench", datetime.now(UTC), upload=upload, extracted=Extracted(vision=vision))
    results, forensic = [], {}
    cpu = 0.0
    for name in LAYERS:
        started = time.process_time()
        result = pipeline_layers.get_layer(name).run(ctx)
        if name == "forensics":
            cpu = time.process_time() - started
            forensic = result.details
        results.append(
            {
                "layer": name,
                "status": result.status,
                "points": result.points,
                "max_points": result.max_points,
                "findings": [f.as_dict() for f in result.findings],
            }
        )
    outcome = score(results)
    without = score([r for r in results if r["layer"] != "forensics"])
    return {
        "kind": item.kind,
        "expected": item.expected,
        "filename": item.filename,
        "verdict": outcome.verdict,
        "score": outcome.score,
        "score_without": without.score,
        "combined": forensic.get("combined", 0.0),
        "likelihoods": forensic.get("likelihoods", {}),
        "statistics": forensic.get("statistics", {}),
        "reasons": outcome.reasons[1:3],
        "cpu": cpu,
    }


CACHE_DIR = os.environ.get("FORENSICS_BENCH_CACHE")  # set by --cache: stage 1's readings kept between runs


def _cached(data: bytes, read):
    """Stage 1's reading of `data`, from --cache's directory when an earlier run kept it (the OCR
    is most of a run's time; the forensic analyses are what changes between runs)."""
    if not CACHE_DIR:
        return read()
    import hashlib
    import pickle

    path = Path(CACHE_DIR) / f"{hashlib.sha256(data).hexdigest()}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    reading = read()
    path.write_bytes(pickle.dumps(reading))
    return reading


def _work(items) -> list[dict]:
    setup()
    return [judge(item) for item in items]


def run(items, jobs: int) -> list[dict]:
    if jobs <= 1:
        return _work(items)
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(_work, [items[i::jobs] for i in range(jobs)])
    return [r for part in parts for r in part]


def roc_auc(genuine: list[float], edited: list[float]) -> float:
    """P(a genuine document's trust score is above an edited one's), ties counting half."""
    wins = sum((g > e) + 0.5 * (g == e) for g in genuine for e in edited)
    return wins / (len(genuine) * len(edited))


def rate(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} %" if d else "    - "


def report(results: list[dict]) -> None:
    from tests.fraud.unknown_issuer_corpus import EDIT_KINDS, GENUINE_KINDS

    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r)
    header = f"{'kind':<20} {'n':>3} {'flagged':>8} {'fraud.':>8} {'median likelihood':>18}"
    print(header)
    print("-" * len(header))
    for kinds, label in ((GENUINE_KINDS, "genuine"), (EDIT_KINDS, "edited")):
        print(f"[{label}]")
        for kind in kinds:
            rows = by_kind.get(kind, [])
            if not rows:
                continue
            flagged = sum(r["verdict"] in DETECTED for r in rows)
            fraud = sum(r["verdict"] == "fraudulent" for r in rows)
            median = statistics.median(r["combined"] for r in rows)
            print(
                f"{kind:<20} {len(rows):>3} {rate(flagged, len(rows))} {rate(fraud, len(rows))} {median:18.2f}"
            )
    genuine = [r for r in results if r["expected"] == "genuine"]
    edited = [r for r in results if r["expected"] == "edited"]
    g_flag = sum(r["verdict"] in DETECTED for r in genuine)
    g_fraud = sum(r["verdict"] == "fraudulent" for r in genuine)
    e_flag = sum(r["verdict"] in DETECTED for r in edited)
    worst_kind = min(
        (sum(r["verdict"] in DETECTED for r in by_kind[k]) / len(by_kind[k]), k)
        for k in EDIT_KINDS
        if by_kind[k]
    )
    auc = roc_auc([r["score"] for r in genuine], [r["score"] for r in edited])
    auc_before = roc_auc([r["score_without"] for r in genuine], [r["score_without"] for r in edited])
    print()
    print(
        f"ROC-AUC of the trust score, genuine vs edited ({len(genuine)} vs {len(edited)}): {auc:.3f}  "
        f"[goal >= {AUC_GOAL}] {'MET' if auc >= AUC_GOAL else 'NOT MET'}; without the forensics layer: {auc_before:.3f}"
    )
    print(
        f"edited flagged: {e_flag}/{len(edited)} = {rate(e_flag, len(edited)).strip()}  [goal >= {FLAGGED_GOAL:.0%}] "
        f"{'MET' if edited and e_flag / len(edited) >= FLAGGED_GOAL else 'NOT MET'}; worst kind {worst_kind[1]} "
        f"{worst_kind[0]:.0%}  [goal >= {KIND_GOAL:.0%}] {'MET' if worst_kind[0] >= KIND_GOAL else 'NOT MET'}"
    )
    print(
        f"genuine flagged: {g_flag}/{len(genuine)} = {rate(g_flag, len(genuine)).strip()}  [goal <= "
        f"{FALSE_ALARM_GOAL:.0%}] {'MET' if genuine and g_flag / len(genuine) <= FALSE_ALARM_GOAL else 'NOT MET'}; "
        f"fraudulent: {g_fraud}  [goal 0]"
    )
    alarms = [r for r in genuine if r["verdict"] in DETECTED]
    misses = [r for r in edited if r["verdict"] not in DETECTED]
    if alarms:
        print("false alarms:")
        for r in alarms:
            print(f"  {r['filename']}: {r['verdict']} {r['likelihoods']} {r['reasons']}")
    print(f"missed edits: {', '.join(r['filename'] for r in misses) or 'none'}")


def main_bench_items(certificates: int = 3) -> list:
    """The unknown-issuer documents of bench/fraud_accuracy.py (tests/fraud/corpus.py, its default
    seed, one set per certificate), genuine and edited, shaped like this corpus's items: they come
    from the project's renderer, not from this corpus's designs. No database is needed."""
    from types import SimpleNamespace

    from tests.fraud import corpus as fraud_corpus

    items = []
    for index in range(certificates):
        seed = fraud_corpus.SEED + index
        document = fraud_corpus.unknown_document(seed)
        for category in fraud_corpus.UNKNOWN_ISSUER_CATEGORIES:
            item = fraud_corpus.unknown_issuer_item(category, seed=seed, document=document)
            expected = "genuine" if item.expected == "genuine" else "edited"
            items.append(SimpleNamespace(data=item.data, filename=item.filename, kind=category,
                                         expected=expected, content_type=item.content_type))  # fmt: skip
    return items


def report_main_bench(results: list[dict]) -> None:
    for r in results:
        print(f"  {r['filename']:<52} {r['expected']:<8} {r['verdict']:<13} {r['likelihoods']}")
    genuine = [r for r in results if r["expected"] == "genuine"]
    edited = [r for r in results if r["expected"] == "edited"]
    flagged = sum(r["verdict"] in DETECTED for r in genuine)
    caught = sum(r["verdict"] in DETECTED for r in edited)
    print(f"main bench's unknown-issuer documents: genuine flagged {flagged}/{len(genuine)}, "
          f"edited flagged {caught}/{len(edited)}")  # fmt: skip


def calibrate(results: list[dict]) -> None:
    from fraud.forensics.calibration import GENUINE_MAX, margin

    highest = defaultdict(float)
    where = {}
    for r in results:
        for name, value in r["statistics"].items():
            if value > highest[name]:
                highest[name], where[name] = value, r["filename"]
    print(f"genuine calibration documents: {len(results)}")
    for name in GENUINE_MAX:
        over = sum(r["likelihoods"].get(name, 0.0) >= 1.0 for r in results)
        print(
            f"  {name:<14} largest genuine statistic {highest[name]:8.2f} ({where.get(name, '-')}); "
            f"in calibration.py {GENUINE_MAX[name]:.2f} (threshold x{margin(name)}: {over} at or above it)"
        )
    # Where each analysis is highest, per design: which designs set the thresholds.
    designs = sorted({r["filename"].split("-")[0] for r in results})
    print(f"  {'largest per design':<14} " + " ".join(f"{d[:10]:>10}" for d in designs))
    for name in GENUINE_MAX:
        row = [
            max(
                (r["statistics"].get(name, 0.0) for r in results if r["filename"].startswith(d + "-")),
                default=0.0,
            )
            for d in designs
        ]
        print(f"  {name:<14} " + " ".join(f"{v:10.2f}" for v in row))


def speed() -> None:
    """The forensics layer on a 12 MP JPEG phone photo of a page (4000 x 3000)."""
    from fraud.layers.base import Extracted, LayerContext, Upload
    from fraud.layers.forensics import ForensicsLayer
    from fraud.reading import read_document

    upload = Upload(_photo_12mp(), "image/jpeg", "photo.jpg")
    vision = read_document(upload)  # stage 1, not counted
    cpu = []
    for _ in range(3):
        fresh = Upload(upload.data, upload.content_type)
        fresh.page  # noqa: B018 - stage 1 found the page already; the layer reuses it
        ctx = LayerContext("bench", datetime.now(UTC), upload=fresh, extracted=Extracted(vision=vision))
        started = time.process_time()
        ForensicsLayer().run(ctx)
        cpu.append(time.process_time() - started)
    fresh = Upload(upload.data, upload.content_type)
    fresh.page  # noqa: B018
    ctx = LayerContext("bench", datetime.now(UTC), upload=fresh, extracted=Extracted(vision=vision))
    tracemalloc.start()
    ForensicsLayer().run(ctx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    best = min(cpu)
    print(
        f"forensics layer on a 12 MP JPEG (4000x3000): CPU {best:.2f} s (median {statistics.median(cpu):.2f} s "
        f"of {len(cpu)})  [goal <= {CPU_GOAL} s] {'MET' if best <= CPU_GOAL else 'NOT MET'}; "
        f"memory allocated at peak {peak / 2**20:.0f} MiB (tracemalloc)"
    )


def _photo_12mp() -> bytes:
    """A 12 MP JPEG phone photo of an unknown issuer's page (4000 x 3000, q85)."""
    import numpy as np

    from tests.fraud import captures
    from tests.fraud import unknown_issuer_corpus as corpus

    doc = corpus.genuine_document("bordered", 5)
    return corpus.jpeg(captures.photo_frame(doc.image, np.random.default_rng(5), width=4000), 85)


def high_water_mib() -> tuple[float, float]:
    """This process's resident memory now and its kernel high-water mark (VmRSS, VmHWM), MiB."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _reset_high_water() -> None:
    """Start VmHWM again from the current RSS (Linux: 5 > /proc/self/clear_refs), to see one step's peak."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def worker_memory(path: str, with_forensics: bool, runs: int = 2) -> None:
    """What an images worker's pool process does for an unknown issuer's 12 MP JPEG, in this fresh
    process: the OCR models loaded at start (fraud.tasks.warm_up), then per verification stage 1
    (QR and local OCR), the ELA layer and (or not) the forensics layer, each on its own copy of the
    upload as its own task would, the heap trimmed after each (fraud.tasks.release_freed_memory).
    Prints one line: RSS after start, the process's peak (VmHWM), RSS at the end, and the peak
    during the forensics layer alone (0 without it)."""
    import ctypes

    from fraud import pipeline_layers
    from fraud.layers.base import Extracted, LayerContext, Upload
    from fraud.ocr import warm_up
    from fraud.reading import read_document

    data = Path(path).read_bytes()  # made by the parent: building the photo takes more memory than reading it
    trim = ctypes.CDLL("libc.so.6").malloc_trim
    warm_up()
    trim(0)
    _reset_high_water()
    started = high_water_mib()[0]
    peak = layer_peak = 0.0
    layers = ("ela", "forensics") if with_forensics else ("ela",)
    for _ in range(runs):
        vision = read_document(Upload(data, "image/jpeg", "photo.jpg"))
        trim(0)
        for name in layers:
            ctx = LayerContext(
                "bench", datetime.now(UTC), upload=Upload(data, "image/jpeg", "photo.jpg"),
                extracted=Extracted(vision=vision),
            )  # fmt: skip
            if name == "forensics":
                peak = max(peak, high_water_mib()[1])
                _reset_high_water()
            pipeline_layers.get_layer(name).run(ctx)
            if name == "forensics":
                layer_peak = max(layer_peak, high_water_mib()[1])
            del ctx
            trim(0)
    rss, last = high_water_mib()
    print(f"MEMORY {int(with_forensics)} {started:.0f} {max(peak, last):.0f} {rss:.0f} {layer_peak:.0f}")


def memory() -> None:
    """The images worker's memory with and without the forensics layer, each in a fresh process
    (so neither inherits the other's high-water mark), measured from /proc."""
    import subprocess
    import tempfile

    figures = {}
    with tempfile.NamedTemporaryFile(suffix=".jpg") as photo:
        photo.write(_photo_12mp())
        photo.flush()
        for with_forensics in (False, True):
            child = [sys.executable, __file__, "--worker-memory", photo.name]
            child += ["--with-forensics", str(int(with_forensics))]
            out = subprocess.run(child, capture_output=True, text=True, check=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("MEMORY "))
            figures[with_forensics] = [float(v) for v in line.split()[2:]]
    for with_forensics, (started, peak, rss, _) in figures.items():
        steps = "stage 1, ela, forensics" if with_forensics else "stage 1, ela          "
        print(
            f"images worker process ({steps}), 12 MP JPEG x2: RSS after start {started:.0f} MiB, "
            f"peak {peak:.0f} MiB (VmHWM), after {rss:.0f} MiB"
        )
    print(
        f"the forensics layer: peak {figures[True][3]:.0f} MiB while it runs; it adds "
        f"{figures[True][1] - figures[False][1]:+.0f} MiB to the worker's peak (stage 1's OCR sets it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--per-design", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument(
        "--main-bench",
        action="store_true",
        help="only the unknown-issuer documents of bench/fraud_accuracy.py",
    )
    parser.add_argument("--kinds", nargs="+", help="only these genuine arrival kinds (with --calibrate)")
    parser.add_argument("--cache", help="a directory to keep stage 1's readings in between runs")
    parser.add_argument("--dump", help="write every document's result to this JSON file")
    parser.add_argument("--worker-memory", help=argparse.SUPPRESS)  # memory()'s child: the photo's path
    parser.add_argument("--with-forensics", default="1", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cache:
        global CACHE_DIR
        Path(args.cache).mkdir(parents=True, exist_ok=True)
        CACHE_DIR = args.cache
    setup()
    if args.worker_memory is not None:
        worker_memory(args.worker_memory, args.with_forensics == "1")
        return
    from tests.fraud import unknown_issuer_corpus as corpus

    if args.main_bench:
        from fraud.ocr import warm_up

        warm_up()
        report_main_bench(run(main_bench_items(), args.jobs))
        return
    if not args.speed_only:
        seeds = args.seeds or ([101, 102] if args.calibrate else [1, 2])
        started = time.perf_counter()
        items = []
        for seed in seeds:
            items += corpus.build(
                seed,
                per_design=args.per_design,
                genuine_kinds=tuple(args.kinds or corpus.GENUINE_KINDS),
                edit_kinds=() if args.calibrate else corpus.EDIT_KINDS,
            )
        from fraud.ocr import warm_up

        warm_up()
        results = run(items, args.jobs)
        print(
            f"unknown-issuer corpus: seeds {seeds}, {len(items)} documents, {time.perf_counter() - started:.0f} s"
        )
        if args.dump:
            import json

            Path(args.dump).write_text(json.dumps(results, indent=1, default=str))
        if args.calibrate:
            calibrate(results)
        else:
            report(results)
    if args.dump and not args.speed_only:
        return
    speed()
    memory()


if __name__ == "__main__":
    main()
