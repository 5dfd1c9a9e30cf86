"""Prometheus metrics: what operators watch, and the endpoint that serves them (not public).

Metrics (all prefixed ``certverify_``):

* ``http_request_duration_seconds{method, route, status}`` — every request, timed around the whole
  middleware stack; ``route`` is the URL pattern (bounded cardinality), ``status`` the class (2xx).
* ``pipeline_duration_seconds{verdict}`` — a verification from request to stored result.
* ``layer_duration_seconds{layer, status}`` — each fraud layer run (LayerResult.duration_ms).
* ``verifications_total{verdict}`` — completed verifications by verdict.
* ``webhook_deliveries_total{outcome}`` — delivery attempts: succeeded, failed, gone (410), cancelled.
* ``celery_queue_length{queue}`` — messages waiting in each Celery queue, read from the Redis
  broker (LLEN) when the endpoint is scraped.

Processes: gunicorn workers and Celery workers are separate processes. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the processes of one host (wiped at
start) and every process writes its samples there; the endpoint adds them up. Without it the
metrics of the process that answers the scrape are served (tests, runserver).

Access: ``/metrics`` answers only (a) a request with ``Authorization: Bearer <METRICS_TOKEN>`` when
that setting is set, or (b) when it is not set and METRICS_ALLOW_LOOPBACK is on (the embedded
default, for a developer's machine), a direct loopback request (127.0.0.0/8 or ::1 with no
X-Forwarded-For). Anything else gets a plain 404, so the endpoint's existence is not advertised.
Production settings turn (b) off: whether a request came from loopback says nothing once a local
proxy relays outside requests without adding X-Forwarded-For, so there only the token opens it
(and ``check --deploy`` asks for one, core/checks.py).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PIPELINE_BUCKETS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
LAYER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

HTTP_REQUEST_DURATION = Histogram(
    "certverify_http_request_duration_seconds",
    "Time to answer an HTTP request, whole middleware stack included.",
    ["method", "route", "status"],
    buckets=HTTP_BUCKETS,
)
PIPELINE_DURATION = Histogram(
    "certverify_pipeline_duration_seconds",
    "A verification from its request to its stored result (queueing included).",
    ["verdict"],
    buckets=PIPELINE_BUCKETS,
)
LAYER_DURATION = Histogram(
    "certverify_layer_duration_seconds",
    "One fraud layer run.",
    ["layer", "status"],
    buckets=LAYER_BUCKETS,
)
VERIFICATIONS = Counter("certverify_verifications_total", "Completed verifications by verdict.", ["verdict"])
WEBHOOK_DELIVERIES = Counter(
    "certverify_webhook_deliveries_total", "Webhook delivery attempts by outcome.", ["outcome"]
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- recording (called from the places where things happen) ------------------------------------------


def observe_layer(*, layer: str, status: str, duration_ms: float) -> None:
    LAYER_DURATION.labels(layer=layer, status=status).observe(duration_ms / 1000)


def observe_verification(*, verdict: str, seconds: float | None) -> None:
    VERIFICATIONS.labels(verdict=verdict or "none").inc()
    if seconds is not None and seconds >= 0:
        PIPELINE_DURATION.labels(verdict=verdict or "none").observe(seconds)


def count_webhook_delivery(*, outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()


class RequestMetricsMiddleware:
    """Times each request; put it first in MIDDLEWARE so the whole stack is inside the timing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name or "") if match is not None else ""
        HTTP_REQUEST_DURATION.labels(
            method=request.method if request.method in _METHODS else "other",
            route=route or "<unmatched>",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


# --- Celery queue depth, read at scrape time ------------------------------------------------------


def celery_queue_names() -> list[str]:
    """METRICS_CELERY_QUEUES, else the default queue plus every queue named in the task routes."""
    configured = getattr(settings, "METRICS_CELERY_QUEUES", None)
    if configured:
        return list(configured)
    names = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")]
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    for route in routes.values() if isinstance(routes, dict) else []:
        queue = route.get("queue") if isinstance(route, dict) else None
        if queue and queue not in names:
            names.append(queue)
    return names


class CeleryQueueCollector:
    """LLEN of each queue on a Redis broker; nothing for other brokers or when Redis is down."""

    def collect(self):
        family = GaugeMetricFamily(
            "certverify_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        url = getattr(settings, "CELERY_BROKER_URL", "") or ""
        if url.startswith(("redis://", "rediss://")) and not settings.CELERY_TASK_ALWAYS_EAGER:
            try:
                import redis

                client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
                names = celery_queue_names()
                with client.pipeline(transaction=False) as pipe:
                    for name in names:
                        pipe.llen(name)
                    lengths = pipe.execute()
                client.close()
                for name, length in zip(names, lengths, strict=True):
                    family.add_metric([name], float(length))
            except Exception:  # a scrape must not fail because the broker is down
                logger.warning("metrics: queue lengths not read; broker unreachable", exc_info=True)
        yield family


# --- the endpoint ---------------------------------------------------------------------------------


def _loopback_direct(request) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "") or ""
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return getattr(settings, "METRICS_ALLOW_LOOPBACK", False) and _loopback_direct(request)


def registry_for_scrape() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_DefaultRegistryView())
    registry.register(CeleryQueueCollector())
    return registry


class _DefaultRegistryView:
    """This process's metrics (the default registry) inside a per-scrape registry."""

    def collect(self):
        yield from REGISTRY.collect()


@never_cache
def metrics_view(request):
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry_for_scrape()), content_type=CONTENT_TYPE_LATEST)
