"""Concurrent reservations never lose an increment nor pass the limit.

Needs PostgreSQL: SQLite serializes writers, so the race cannot happen there.
"""

import threading

import pytest
from django.db import connection

from billing.errors import UsageLimitExceeded
from billing.models import Subscription, UsageCounter
from billing.usage import usage_reserve, usage_reserve_up_to

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serializes writers, so requests never race",
    ),
]

THREADS = 8


def at_once(call, count: int = THREADS) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call()
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


def test_concurrent_increments_on_an_unlimited_plan_are_all_counted(org):
    def ten():
        for _ in range(10):
            usage_reserve(org, "certificates", 3)

    at_once(ten)
    assert UsageCounter.objects.get(organization=org, metric="certificates").used == THREADS * 10 * 3


def test_concurrent_increments_stop_exactly_at_the_limit(org, free_plan):
    Subscription.objects.update_or_create(organization=org, defaults={"plan": free_plan})  # 3 a month

    def reserve_two():
        usage_reserve(org, "certificates", 2)
        return "ok"

    results = at_once(reserve_two)
    assert results.count("ok") == 1  # 2 fit in 3; a second 2 would pass it
    assert all(isinstance(r, UsageLimitExceeded) for r in results if r != "ok")
    assert at_once(lambda: usage_reserve_up_to(org, "certificates", 1)).count(1) == 1
    assert UsageCounter.objects.get(organization=org, metric="certificates").used == 3
