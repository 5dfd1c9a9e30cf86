"""10,000-row CSV bulk issuance, end to end (P6; goal ≤ 60 s for validate + store + hash).

    .venv/bin/python bench/issuance_bench.py [--rows 10000] [--repeat 1]

A gunicorn and a Celery worker (production settings, PostgreSQL + Redis broker) run as in
production. The clock starts when the client begins POSTing the CSV to
/api/v1/certificates/bulk/ (JWT) and stops when GET /api/v1/issuance-batches/{id}/ first reports
`completed` (polled every 0.2 s): upload, parsing, per-row validation, credential ids, canonical
JSON + SHA-256 content hash, the Ed25519-signed QR payload, and the chunked inserts. Rendering
(lazy) and anchoring (a later batch job) are not part of it. Every run uses a fresh organization
state (the previous run's bench certificates are deleted from the bench database first).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Server, celery_worker, figure_line, machine_info, median, setup_django  # noqa: E402

ORG_SLUG = "bench-issuance"
TITLES = ["BSc Computer Science", "Certificate in First Aid", "Diploma in Nursing", "MA History of Art"]


def make_csv(rows: int, nonce: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "recipient_name",
            "recipient_email",
            "title",
            "issue_date",
            "expiry_date",
            "grade",
            "external_id",
            "meta_cohort",
        ]
    )
    for i in range(rows):
        writer.writerow(
            [
                f"Student {i} Example-Person",
                f"student{i}@example.org",
                TITLES[i % len(TITLES)],
                f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "" if i % 3 else f"2030-{1 + i % 12:02d}-01",
                ["A", "B", "Merit", ""][i % 4],
                f"{nonce}-{i}",
                f"cohort-{i % 20}",
            ]
        )
    return out.getvalue().encode()


def prepare() -> tuple[str, int]:
    """The org (owned by the bench user), emptied of earlier bench certificates; a fresh token."""
    from django.db import connection
    from http_cpu import EMAIL, prepare_fixtures
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from certificates.signing.services import signing_key_current
    from organizations.models import Membership, Organization

    prepare_fixtures(0)
    org, _ = Organization.objects.get_or_create(
        slug=ORG_SLUG, defaults={"name": "Bench Academy of Bulk Issuance", "country": "FR"}
    )
    user = User.objects.get(email=EMAIL)
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": "owner"})
    signing_key_current(organization=org)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_certificate WHERE organization_id = %s", [org.pk])
        cursor.execute("DELETE FROM certificates_issuancebatch WHERE organization_id = %s", [org.pk])
    return str(AccessToken.for_user(user)), org.pk


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def one_run(server: Server, rows: int) -> dict:
    token, _org_id = prepare()
    data = make_csv(rows, uuid.uuid4().hex[:8])
    body, content_type = multipart({"organization": ORG_SLUG}, "bench.csv", data)
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.251.0.1"}
    started = time.perf_counter()
    conn.request(
        "POST", "/api/v1/certificates/bulk/", body=body, headers={**headers, "Content-Type": content_type}
    )
    response = conn.getresponse()
    accepted = json.loads(response.read())
    if response.status != 202:
        raise RuntimeError(f"bulk upload: HTTP {response.status} {accepted}")
    accepted_after = time.perf_counter() - started
    deadline = started + 600
    while True:
        conn.request("GET", f"/api/v1/issuance-batches/{accepted['id']}/", headers=headers)
        response = conn.getresponse()
        batch = json.loads(response.read())
        if batch["status"] in ("completed", "failed") or time.perf_counter() > deadline:
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    conn.close()
    if batch["status"] != "completed" or batch["issued_count"] != rows:
        raise RuntimeError(
            f"batch did not complete cleanly: {batch['status']}, {batch['issued_count']} issued"
        )
    return {"seconds": elapsed, "accepted_after": accepted_after, "issued": batch["issued_count"]}


def run(rows: int, repeat: int) -> list[dict]:
    setup_django()
    results = []
    with celery_worker(concurrency=2), Server(workers=2, threads=4) as server:
        for i in range(repeat):
            result = one_run(server, rows)
            print(
                f"  run {i + 1}: {result['issued']} issued in {result['seconds']:.1f} s "
                f"(202 after {result['accepted_after']:.2f} s)",
                flush=True,
            )
            results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    results = run(args.rows, args.repeat)
    seconds = median([r["seconds"] for r in results])
    print(f"machine: {machine_info()}")
    print(
        figure_line(
            "P6",
            f"{args.rows:,}-row CSV issuance, upload → completed",
            f"{seconds:.1f} s",
            "≤ 60 s",
            seconds <= 60,
            f"{args.rows / seconds:.0f} rows/s; 1 Celery worker process does the batch",
        )
    )


if __name__ == "__main__":
    main()
