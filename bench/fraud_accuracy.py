"""Detection and false-alarm rates of the fraud pipeline on the generated corpus (tests/fraud/corpus.py).

    .venv/bin/python bench/fraud_accuracy.py [--certificates 3] [--jobs 2] [--seed N] [--show-misses]
        [--captures K] [--only-captures]

Issues certificates through the real services into a throwaway test database (SQLite in memory,
or the PostgreSQL server of DATABASE_URL, where a ``test_*`` database is created and dropped),
then submits every corpus item to ``POST /api/v1/verifications/`` with Django's test client; the
pipeline runs eagerly inside the request (Celery eager mode, Gemini not configured, so the local
OCR path reads the documents). With ``--jobs 2`` the corpus is split between two forked
processes (one per core; OCR runs single-threaded); that needs a database both can write, so the
SQLite database is then a temporary file instead of memory.

Prints, per category: count, detection rate (fraudulent or suspicious), fraudulent rate, and for
genuine categories the false alarms (fraudulent, and suspicious separately); then the goal
lines (tampered registry certificates caught >= 99 %, genuine registry variants flagged
fraudulent <= 1 %), the ROC-AUC of the forensic layers alone (metadata + ELA + vision points over
the points of those that ran) on unknown-issuer documents (goal >= 0.85), and the machine.

With ``--captures K`` (default 2) each issued certificate is also captured K times (different
seeds) in every real-world capture kind of tests/fraud/captures.py (phone photo, chat forward,
office scan, screenshot, cropped border, print to PDF), genuine and as each capture forgery; a
table per kind gives the share of genuine captures called authentic (goal >= 95 %) and fraudulent
(goal 0 %), the share of forgeries called fraudulent (goal 100 %), and the p95 wall and CPU time
of one verification (goal p95 <= 2.5 s on 2 cores with local OCR).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import multiprocessing
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from queue import Empty

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORENSIC_LAYERS = ("metadata", "ela", "vision")
DETECTED = ("fraudulent", "suspicious")
TAMPER_GOAL, FALSE_ALARM_GOAL, AUC_GOAL = 0.99, 0.01, 0.85
CAPTURE_AUTHENTIC_GOAL, CAPTURE_SECONDS_GOAL = 0.95, 2.5


# --- Django and the throwaway database ---------------------------------------------------------------


def django_setup(*, shared_file: bool) -> None:
    """Test settings, a private media folder, and (for several processes) a file-backed SQLite."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="certverify-bench-media-")
    atexit.register(shutil.rmtree, os.environ["MEDIA_ROOT"], ignore_errors=True)  # uploads, renderings
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    if shared_file and database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = os.path.join(os.environ["MEDIA_ROOT"], "bench.sqlite3")
        # Two writers take turns: take the write lock when a transaction starts (a deferred one
        # that upgrades fails at once with "database is locked"), wait for it, and let readers
        # read during writes (WAL).
        database.setdefault("OPTIONS", {}).update(
            timeout=60, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
        )
    from django.test.utils import setup_test_environment

    setup_test_environment()


@contextlib.contextmanager
def test_database():
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor} {'(file)' if connection.vendor == 'sqlite' else ''}".strip()


def issuer_actor():
    """A registered organization and a member allowed to issue and revoke."""
    from organizations.access import Actor
    from organizations.models import Organization
    from organizations.roles import Role
    from tests.factories import MembershipFactory

    organization = Organization.objects.create(
        name="Northbridge Institute of Technology",
        slug="northbridge",
        country="DE",
        verification_level="reviewed",  # the bench measures documents, not issuer identity
    )
    user = MembershipFactory(organization=organization, role=Role.ISSUER).user
    return organization, Actor(user=user)


# --- submitting ---------------------------------------------------------------------------------------


def verify(client, item) -> dict:
    """Submit one corpus item through the API (the pipeline runs in the request) and read the result."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/api/v1/verifications/", {"file": SimpleUploadedFile(item.filename, item.data)}, format="multipart"
    )
    body = (
        client.get(response.json()["status_url"]).json()
        if response.status_code == 202
        else {"status": f"http {response.status_code}", "verdict": None, "layers": []}
    )
    body["seconds"], body["cpu"] = time.perf_counter() - started, time.process_time() - cpu
    return body


def outcome(item, body: dict) -> dict:
    """What the bench keeps of a result: the verdict, forensic points and the decisive reasons."""
    layers = {layer["layer"]: layer for layer in body.get("layers", [])}
    forensic = [layers[name] for name in FORENSIC_LAYERS if name in layers]
    ran = [layer for layer in forensic if layer["status"] in ("passed", "warning", "failed", "error")]
    possible = sum(layer["max_points"] for layer in ran)
    return {
        "category": item.category,
        "expected": item.expected,
        "group": item.group,
        "filename": item.filename,
        "status": body.get("status"),
        "verdict": body.get("verdict"),
        "credential_status": (body.get("credential") or {}).get("status"),
        "score": body.get("score"),
        "forensic": sum(layer["points"] for layer in ran) / possible if possible else None,
        "points": {name: (layer["status"], layer["points"]) for name, layer in layers.items()},
        "reasons": (body.get("reasons") or [])[:3],
        "seconds": body["seconds"],
        "cpu": body["cpu"],
    }


def run_items(items) -> list[dict]:
    from rest_framework.test import APIClient

    client = APIClient()
    return [outcome(item, verify(client, item)) for item in items]


def _child(items, queue) -> None:
    from django.db import connections

    connections.close_all()  # never share the parent's connection across a fork
    try:
        queue.put(run_items(items))
    except BaseException as exc:  # report, so the parent does not wait forever
        queue.put(exc)


def run_parallel(items, jobs: int) -> list[dict]:
    """Split the items over `jobs` forked processes (each runs OCR on its own core)."""
    if jobs <= 1:
        return run_items(items)
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_child, args=(items[i::jobs], queue)) for i in range(jobs)]
    for process in processes:
        process.start()
    outputs = []
    while len(outputs) < len(processes):
        try:
            outputs.append(queue.get(timeout=5))
        except Empty:
            if not any(process.is_alive() for process in processes) and queue.empty():
                raise RuntimeError("a bench process died without reporting") from None
    for process in processes:  # every child has finished before the database is dropped
        process.join()
    failures = [output for output in outputs if isinstance(output, BaseException)]
    if failures:
        raise failures[0]
    return [result for output in outputs for result in output]


# --- figures ------------------------------------------------------------------------------------------


def roc_auc(genuine: list[float], forged: list[float]) -> float:
    """P(a random genuine document scores above a random forged one), ties counting half:
    the Mann-Whitney U statistic over average ranks, so equal scores are handled exactly."""
    scored = sorted([(s, 1) for s in genuine] + [(s, 0) for s in forged])
    ranks: list[float] = [0.0] * len(scored)
    i = 0
    while i < len(scored):
        j = i
        while j + 1 < len(scored) and scored[j + 1][0] == scored[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(rank for rank, (_, is_genuine) in zip(ranks, scored, strict=True) if is_genuine)
    n_g, n_f = len(genuine), len(forged)
    return (rank_sum - n_g * (n_g + 1) / 2) / (n_g * n_f)


def _rate(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:6.1f} %" if denominator else "     - "


def category_table(results: list[dict]) -> list[str]:
    rows = defaultdict(list)
    for result in results:
        rows[result["category"]].append(result)
    header = f"{'category':<34} {'n':>3}  {'detected':>8}  {'fraud.':>8}  {'susp.':>8}  {'verdicts':<40} {'cpu s':>5}"
    lines = [header, "-" * len(header)]
    order = ("registry", "fabricated", "unknown_issuer")
    for category, group in sorted(
        rows.items(), key=lambda kv: (order.index(kv[1][0]["group"]), kv[1][0]["expected"] == "forged", kv[0])
    ):
        verdicts = Counter(r["verdict"] or r["status"] for r in group)
        fraud, susp = verdicts["fraudulent"], verdicts["suspicious"]
        cpu = statistics.median(r["cpu"] for r in group)
        summary = ", ".join(f"{k} {v}" for k, v in verdicts.most_common())
        label = f"{category} ({'G' if group[0]['expected'] == 'genuine' else 'F'})"
        lines.append(
            f"{label:<34} {len(group):>3}  {_rate(fraud + susp, len(group))}  {_rate(fraud, len(group))}  "
            f"{_rate(susp, len(group))}  {summary:<40} {cpu:5.1f}"
        )
    return lines


def goal_lines(results: list[dict]) -> list[str]:
    from tests.fraud.corpus import TAMPER_CATEGORIES

    tampered = [r for r in results if r["category"] in TAMPER_CATEGORIES]
    revoked = [r for r in results if r["category"] == "revoked"]
    fabricated = [r for r in results if r["category"] == "fabricated_registered_issuer"]
    unknown_fabricated = [r for r in results if r["category"] == "fabricated_unknown_issuer"]
    genuine = [r for r in results if r["expected"] == "genuine" and r["group"] == "registry"]
    unknown_genuine = [r for r in results if r["expected"] == "genuine" and r["group"] == "unknown_issuer"]

    def count(rows, verdicts):
        return sum(r["verdict"] in verdicts for r in rows)

    caught = count(tampered, DETECTED)
    caught_f = count(tampered, ("fraudulent",))
    false_f = count(genuine, ("fraudulent",))
    false_s = count(genuine, ("suspicious",))
    return [
        f"tampered registry certificates caught (fraudulent or suspicious): {caught}/{len(tampered)} = "
        f"{_rate(caught, len(tampered)).strip()}  [goal >= {TAMPER_GOAL:.0%}] "
        f"{'MET' if tampered and caught / len(tampered) >= TAMPER_GOAL else 'NOT MET'}",
        f"  of which fraudulent: {caught_f}/{len(tampered)} = {_rate(caught_f, len(tampered)).strip()}",
        # A revoked credential's genuine image is authentic; what matters is that it never reads "valid".
        f"revoked certificates whose credential status is 'revoked' (never 'valid'): "
        f"{sum(r['credential_status'] == 'revoked' for r in revoked)}/{len(revoked)}; "
        f"called valid: {sum(r['credential_status'] == 'valid' for r in revoked)}",
        f"fabrications in a registered issuer's name flagged fraudulent: "
        f"{count(fabricated, ('fraudulent',))}/{len(fabricated)}",
        f"fabrications for an unknown issuer flagged (fraudulent or suspicious): "
        f"{count(unknown_fabricated, DETECTED)}/{len(unknown_fabricated)}; never authentic: "
        f"{len(unknown_fabricated) - count(unknown_fabricated, ('authentic',))}/{len(unknown_fabricated)}",
        f"genuine registry variants flagged fraudulent: {false_f}/{len(genuine)} = "
        f"{_rate(false_f, len(genuine)).strip()}  [goal <= {FALSE_ALARM_GOAL:.0%}] "
        f"{'MET' if genuine and false_f / len(genuine) <= FALSE_ALARM_GOAL else 'NOT MET'}",
        f"genuine registry variants flagged suspicious: {false_s}/{len(genuine)} = {_rate(false_s, len(genuine)).strip()}",
        f"genuine registry variants authentic: {count(genuine, ('authentic',))}/{len(genuine)}",
        f"genuine unknown-issuer documents flagged fraudulent / suspicious: "
        f"{count(unknown_genuine, ('fraudulent',))} / {count(unknown_genuine, ('suspicious',))} of {len(unknown_genuine)}",
    ]


def auc_lines(results: list[dict]) -> list[str]:
    unknown = [r for r in results if r["group"] == "unknown_issuer" and r["forensic"] is not None]
    genuine = [r["forensic"] for r in unknown if r["expected"] == "genuine"]
    forged = [r["forensic"] for r in unknown if r["expected"] == "forged"]
    if not genuine or not forged:
        return ["forensic-only ROC-AUC: not enough unknown-issuer documents"]
    auc = roc_auc(genuine, forged)
    lines = [
        f"forensic-only ROC-AUC on unknown-issuer documents (metadata + ela + vision, "
        f"{len(genuine)} genuine vs {len(forged)} edited): {auc:.3f}  [goal >= {AUC_GOAL}] "
        f"{'MET' if auc >= AUC_GOAL else 'NOT MET'}"
    ]
    per_category = defaultdict(list)
    for r in unknown:
        per_category[r["category"]].append(r["forensic"])
    for category, scores in sorted(per_category.items()):
        lines.append(
            f"  {category:<30} forensic score median {statistics.median(scores):.2f} (n={len(scores)})"
        )
    return lines


def capture_items(built, *, per_kind: int, seed: int) -> list:
    """Every capture kind of every issued certificate, `per_kind` times, genuine and forged."""
    from tests.fraud import corpus
    from tests.fraud.captures import CAPTURE_KINDS

    certificates = built.certificates
    return [
        corpus.capture_item(
            kind, page, certificate, donor=certificates[(i + 1) % len(certificates)], seed=seed + 100 * k + i
        )
        for i, certificate in enumerate(certificates)
        for k in range(per_kind)
        for kind in CAPTURE_KINDS
        for page in corpus.CAPTURED_PAGES
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")


def capture_lines(results: list[dict]) -> list[str]:
    """Per capture kind: genuine authentic / fraudulent shares, forgeries fraudulent, p95 times."""
    from tests.fraud.captures import CAPTURE_KINDS

    captured = [r for r in results if r["category"].startswith("capture:")]
    if not captured:
        return []
    header = (
        f"{'capture kind':<16} {'genuine':>7} {'authentic':>9} {'fraud.':>8} {'forged':>6} {'fraud.':>8} "
        f"{'p95 wall s':>10} {'p95 cpu s':>9}"
    )
    lines = [header, "-" * len(header)]
    for kind in CAPTURE_KINDS:
        rows = [r for r in captured if r["category"].split(":")[1] == kind]
        genuine = [r for r in rows if r["expected"] == "genuine"]
        forged = [r for r in rows if r["expected"] == "forged"]
        authentic = sum(r["verdict"] == "authentic" for r in genuine)
        false_f = sum(r["verdict"] == "fraudulent" for r in genuine)
        caught = sum(r["verdict"] == "fraudulent" for r in forged)
        lines.append(
            f"{kind:<16} {len(genuine):>7} {_rate(authentic, len(genuine))}  {_rate(false_f, len(genuine))} "
            f"{len(forged):>6} {_rate(caught, len(forged))} {_p95([r['seconds'] for r in rows]):>10.2f} "
            f"{_p95([r['cpu'] for r in rows]):>9.2f}"
        )
    genuine = [r for r in captured if r["expected"] == "genuine"]
    forged = [r for r in captured if r["expected"] == "forged"]
    worst = min(
        (sum(r["verdict"] == "authentic" for r in g) / len(g))
        for kind in CAPTURE_KINDS
        if (g := [r for r in genuine if r["category"].split(":")[1] == kind])
    )
    p95 = _p95([r["seconds"] for r in captured])
    lines += [
        f"genuine captures authentic, worst kind: {worst:.1%}  [goal >= {CAPTURE_AUTHENTIC_GOAL:.0%} every kind] "
        f"{'MET' if worst >= CAPTURE_AUTHENTIC_GOAL else 'NOT MET'}; called fraudulent: "
        f"{sum(r['verdict'] == 'fraudulent' for r in genuine)}/{len(genuine)}  [goal 0]",
        f"captured forgeries fraudulent: {sum(r['verdict'] == 'fraudulent' for r in forged)}/{len(forged)}  [goal 100 %]",
        f"one capture verification, p95 wall {p95:.2f} s (CPU {_p95([r['cpu'] for r in captured]):.2f} s)  "
        f"[goal <= {CAPTURE_SECONDS_GOAL} s] {'MET' if p95 <= CAPTURE_SECONDS_GOAL else 'NOT MET'}",
    ]
    return lines


def misses(results: list[dict]) -> list[str]:
    """The items the pipeline got wrong, with layer points and reasons, for diagnosis."""
    lines = []
    for r in results:
        wrong = (
            r["expected"] == "forged" and r["group"] != "unknown_issuer" and r["verdict"] not in DETECTED
        ) or (r["expected"] == "genuine" and r["verdict"] in DETECTED)
        if wrong:
            points = " ".join(f"{k}={s[:4]}:{p:g}" for k, (s, p) in r["points"].items())
            lines.append(f"  {r['filename']}: {r['verdict']} score={r['score']} [{points}] {r['reasons']}")
    return lines


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as f:
        cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"machine: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({cpu}), load {load:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--certificates", type=int, default=3, help="issued certificates (one more is revoked)"
    )
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--show-misses", action="store_true", help="list every wrong verdict with its layers")
    parser.add_argument("--captures", type=int, default=2, help="captures per kind and certificate")
    parser.add_argument("--only-captures", action="store_true", help="skip the rest of the corpus")
    args = parser.parse_args()
    django_setup(shared_file=args.jobs > 1)
    from tests.fraud import corpus

    seed = corpus.SEED if args.seed is None else args.seed
    with test_database():
        started = time.perf_counter()
        organization, actor = issuer_actor()
        built = corpus.build_corpus(
            organization=organization, actor=actor, certificates=args.certificates, seed=seed
        )
        items = [] if args.only_captures else built.items
        items += capture_items(built, per_kind=args.captures, seed=seed)
        generated = time.perf_counter() - started
        from fraud.ocr import warm_up

        warm_up()  # before forking: both processes share the loaded models
        results = run_parallel(items, args.jobs)
        elapsed = time.perf_counter() - started
        database = database_label()
    print(
        f"fraud corpus: {args.certificates} issued certificates (+1 revoked), {len(items)} documents, "
        f"seed {seed}; database {database}; {args.jobs} process(es)"
    )
    print()
    print("\n".join(category_table(results)))
    print(
        "(G) genuine: detected = false alarms; (F) forged: detected = caught. detected = fraudulent or suspicious."
    )
    print()
    print("\n".join(goal_lines(results)))
    print("\n".join(auc_lines(results)))
    if captured := capture_lines(results):
        print()
        print("\n".join(captured))
    wrong = misses(results)
    if wrong and args.show_misses:
        print("\nwrong verdicts:")
        print("\n".join(wrong))
    elif wrong:
        print(f"({len(wrong)} wrong verdicts; --show-misses lists them)")
    print()
    cpu = [r["cpu"] for r in results]
    print(
        f"time: corpus {generated:.0f} s, verifications {elapsed - generated:.0f} s wall in {args.jobs} "
        f"process(es); CPU per document median {statistics.median(cpu):.2f} s, max {max(cpu):.2f} s, "
        f"total {sum(cpu):.0f} s"
    )
    print(machine_info())


if __name__ == "__main__":
    main()
