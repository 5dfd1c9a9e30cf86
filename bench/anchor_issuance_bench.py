"""Time the anchoring service over N issued certificates: claim + tree + proofs in the database,
one signed and broadcast transaction, confirmation with its webhook events.

    .venv/bin/python bench/anchor_issuance_bench.py [--certificates 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certverify .venv/bin/python bench/anchor_issuance_bench.py

Runs in a throw-away test database (SQLite in memory, or `test_<name>` on PostgreSQL) against
the embedded eth-tester chain. The certificates are built like `certificate_issue` builds them
(canonical fields, content hash, signed QR text) but bulk-inserted, since issuance is not what is
timed here; `anchor_pending` is the service the scheduled task runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def machine_info(vendor: str) -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"python {platform.python_version()}, {os.cpu_count()} cores, {cpu}, load {load:.2f}, database {vendor}"


def issue_bulk(count: int) -> None:
    from certificates.lifecycle.services import build_certificate
    from certificates.models import Certificate
    from certificates.signing.services import signing_key_current
    from organizations.models import Organization

    organizations = [Organization.objects.create(name=f"Bench {i}", slug=f"bench-{i}") for i in range(3)]
    keys = {org.pk: signing_key_current(organization=org) for org in organizations}
    rows = []
    for i in range(count):
        org = organizations[i % len(organizations)]
        rows.append(
            build_certificate(
                organization=org,
                key=keys[org.pk],
                recipient_name=f"Student {i}",
                title="BSc Bench Studies",
                issue_date=dt.date(2026, 6, 30),
            )
        )
    Certificate.objects.bulk_create(rows, batch_size=1000)


def timed(label: str, fn, results: dict):
    started = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - started
    return value


def run(count: int) -> None:
    from django.conf import settings
    from django.db import connection

    from certificates.anchoring.chain import get_chain_client
    from certificates.anchoring.merkle import build_tree
    from certificates.anchoring.services import anchor_confirm, anchor_pending, anchor_submit
    from certificates.models import Certificate

    settings.CHAIN_CONFIRMATIONS = 1
    issue_bulk(count)
    get_chain_client()  # start the embedded chain outside the timings
    hashes = list(Certificate.objects.order_by("id").values_list("content_hash", flat=True))
    results: dict[str, float] = {}
    timed("tree + all proofs (in memory)", lambda: build_tree(hashes).proofs(), results)
    anchor = timed("anchor_pending (claim, tree, proofs)", lambda: anchor_pending(limit=count), results)
    timed("anchor_submit (sign + broadcast)", lambda: anchor_submit(anchor.pk), results)
    anchor = timed("anchor_confirm (+ events)", lambda: anchor_confirm(anchor.pk), results)
    assert anchor.status == "confirmed" and anchor.leaf_count == count, anchor
    total = sum(v for k, v in results.items() if not k.startswith("tree"))
    print(f"anchoring {count} issued certificates in one transaction")
    print(f"  {machine_info(connection.vendor)}")
    for label, seconds in results.items():
        print(f"  {label:<38} {seconds * 1000:9.1f} ms")
    print(f"  {'total (pending + submit + confirm)':<38} {total * 1000:9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.certificates)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
