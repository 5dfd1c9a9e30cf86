"""Idempotent creates hold under concurrency: the same request sent at once creates one row and every
sender gets that row back (never an IntegrityError as a 500).

Needs PostgreSQL: SQLite serializes writers, so the race cannot happen there.
"""

import datetime as dt
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from certificates.batches.services import batch_process, batch_start
from certificates.lifecycle.services import certificate_issue
from certificates.models import Certificate, IssuanceBatch
from certificates.signing.services import signing_key_current
from organizations.access import Actor
from organizations.models import AuditEvent
from tests.conftest import auth_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serializes writers, so requests never race",
    ),
]

SENDERS = 6
BULK_CSV = """recipient_name,title,issue_date,external_id
Ada Lovelace,Mathematics,2026-01-10,r-1
Alan Turing,Computing,2026-01-10,r-2
"""


def at_once(send, count: int = SENDERS) -> list:
    """Run `send()` in `count` threads released together; returns their results in thread order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = send()
        except Exception as exc:  # noqa: BLE001 - reported through the results
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_the_same_csv_uploaded_six_times_at_once_gives_every_sender_the_one_batch(org, issuer, monkeypatch):
    monkeypatch.setattr(
        "certificates.batches.services._enqueue", lambda batch_id: None
    )  # the upload is what races

    def upload():
        file = SimpleUploadedFile("students.csv", BULK_CSV.encode(), content_type="text/csv")
        return auth_client(issuer).post(
            "/api/v1/certificates/bulk/", {"organization": org.slug, "file": file}, format="multipart"
        )

    responses = at_once(upload)

    assert [getattr(r, "status_code", r) for r in responses] == [202] * SENDERS
    assert len({r.json()["id"] for r in responses}) == 1
    assert IssuanceBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="batch.started").count() == 1


def test_the_same_external_id_issued_six_times_at_once_gives_every_sender_the_one_certificate(org, issuer):
    def send():
        return auth_client(issuer).post(
            "/api/v1/certificates/",
            {
                "organization": org.slug,
                "recipient_name": "Ada Lovelace",
                "title": "Mathematics",
                "issue_date": "2026-01-10",
                "external_id": "s-42",
            },
            format="json",
        )

    responses = at_once(send)

    assert sorted(getattr(r, "status_code", r) for r in responses) == [200] * (SENDERS - 1) + [201]
    assert len({r.json()["credential_id"] for r in responses}) == 1
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificate.issued").count() == 1


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid: int, timeout: float = 30) -> None:
    """Return once the backend `pid` waits for a lock another transaction holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never blocked")


def test_a_batch_row_whose_external_id_a_concurrent_issue_takes_first_is_skipped(org, issuer, monkeypatch):
    monkeypatch.setattr("certificates.batches.services._enqueue", lambda batch_id: None)
    actor = Actor(user=issuer)
    signing_key_current(organization=org)  # created now, so creating it locks nothing later
    batch, _ = batch_start(actor=actor, organization=org, data=BULK_CSV.encode(), file_name="students.csv")
    batch_pid = backend_pid()
    issued = threading.Event()

    def single_issue_committing_while_the_batch_inserts():
        try:
            with transaction.atomic():
                certificate_issue(
                    actor=Actor(user=issuer),
                    organization=org,
                    recipient_name="Ada Lovelace",
                    title="Mathematics",
                    issue_date=dt.date(2026, 1, 10),
                    external_id="r-1",
                )
                issued.set()
                wait_until_blocked(batch_pid)  # the batch saw no r-1 and now waits on its index entry
        finally:
            connection.close()

    other = threading.Thread(target=single_issue_committing_while_the_batch_inserts)
    other.start()
    assert issued.wait(timeout=30)
    status = batch_process(batch_id=batch.pk)
    other.join(timeout=30)

    batch.refresh_from_db()
    assert status == "completed"
    assert (batch.issued_count, batch.skipped_count, batch.failed_count) == (1, 1, 0)
    assert sorted(Certificate.objects.values_list("external_id", flat=True)) == ["r-1", "r-2"]
    assert Certificate.objects.get(external_id="r-1").batch_id is None  # the single issue's, kept
