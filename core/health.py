"""Liveness and readiness. Readiness checks each dependency and names the ones that failed: 503\nwhen the app cannot serve (database, storage), 200 "degraded" when it serves without one (cache, broker)."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", 5)
    if settings.REDIS_URL:
        # django-redis is configured to swallow errors; ask Redis directly so an outage shows.
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
    elif cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def _check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker)"
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def _check_storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "storage": _check_storage,
}
# Without these the app still serves every request correctly: the cache and throttles fail open,
# and queued work is kept in PostgreSQL until the broker is back (docs/operations.md). Their
# failure makes readiness "degraded" (200), so a load balancer does not drain every instance and
# turn a cache outage into a full one; alert on "degraded".
DEGRADABLE = {"cache", "broker"}


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            note = check()
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
            if note:
                results[name]["note"] = note
        except Exception as exc:  # any failure is reported; DEGRADABLE decides what it means
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    failed = [name for name, r in results.items() if not r["ok"]]
    unavailable = [name for name in failed if name not in DEGRADABLE]
    status = "unavailable" if unavailable else ("degraded" if failed else "ok")
    body = {"status": status, "checks": results, "failed": failed}
    return JsonResponse(body, status=503 if unavailable else 200)
