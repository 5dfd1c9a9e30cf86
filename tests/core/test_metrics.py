"""The Prometheus endpoint: who may read it, and that the counters move."""

import pytest
from django.test import Client, override_settings
from django.urls import include, path
from prometheus_client import REGISTRY

from core import metrics

pytestmark = pytest.mark.django_db

# Mounted here so the tests do not depend on where config/urls.py puts the endpoint.
urlpatterns = [
    path("metrics", metrics.metrics_view),
    path("", include("config.urls")),
]
URLCONF = "tests.core.test_metrics"
WITH_METRICS_MIDDLEWARE = ["core.metrics.RequestMetricsMiddleware"]


def scrape(client=None, **extra):
    return (client or Client()).get("/metrics", **extra)


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="")
def test_loopback_scrape_without_a_token_setting_is_allowed():
    response = scrape(REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"certverify_http_request_duration_seconds" in response.content


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="")
@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "10.0.0.5"},
        # A local reverse proxy relays outside clients from loopback; they must not get in.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "::1", "HTTP_FORWARDED": "for=203.0.113.9"},
    ],
)
def test_non_loopback_or_proxied_scrape_is_a_404(extra):
    response = scrape(**extra)
    assert response.status_code == 404
    assert b"certverify_" not in response.content


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="", METRICS_ALLOW_LOOPBACK=False)
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "198.51.100.7"])
def test_without_a_token_and_with_loopback_scrapes_off_every_scrape_is_refused(address):
    # Production: a proxy that relays from loopback without adding X-Forwarded-For must not open it.
    response = scrape(REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"certverify_" not in response.content


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="s3cret-metrics-token")
def test_with_a_token_setting_only_the_bearer_token_opens_it():
    assert scrape(REMOTE_ADDR="127.0.0.1").status_code == 404  # loopback alone is not enough
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert scrape(HTTP_AUTHORIZATION="Basic s3cret-metrics-token").status_code == 404
    ok = scrape(REMOTE_ADDR="198.51.100.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200
    assert b"certverify_layer_duration_seconds" in ok.content


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="")
def test_request_latency_is_recorded_per_route(settings):
    labels = {"method": "GET", "route": "health/live", "status": "2xx"}
    before = sample("certverify_http_request_duration_seconds_count", **labels)
    assert settings.MIDDLEWARE[0] == WITH_METRICS_MIDDLEWARE[0]  # installed first, timing the whole stack
    Client().get("/health/live")
    Client().get("/health/live")
    assert sample("certverify_http_request_duration_seconds_count", **labels) == before + 2
    body = scrape(REMOTE_ADDR="127.0.0.1").content.decode()
    assert (
        'certverify_http_request_duration_seconds_bucket{le="0.005",method="GET",route="health/live"' in body
    )


def test_unmatched_routes_share_one_label_so_scanners_cannot_blow_up_cardinality(settings):
    labels = {"method": "GET", "route": "<unmatched>", "status": "4xx"}
    before = sample("certverify_http_request_duration_seconds_count", **labels)
    assert settings.MIDDLEWARE[0] == WITH_METRICS_MIDDLEWARE[0]  # installed first, timing the whole stack
    Client().get("/no-such-page-1/")
    Client().get("/no-such-page-2/")
    assert sample("certverify_http_request_duration_seconds_count", **labels) == before + 2


def test_layer_verdict_and_webhook_counters_move():
    layer = {"layer": "ela", "status": "passed"}
    before_layer = sample("certverify_layer_duration_seconds_count", **layer)
    before_sum = sample("certverify_layer_duration_seconds_sum", **layer)
    before_verdict = sample("certverify_verifications_total", verdict="suspicious")
    before_pipeline = sample("certverify_pipeline_duration_seconds_count", verdict="suspicious")
    before_hook = sample("certverify_webhook_deliveries_total", outcome="failed")

    metrics.observe_layer(layer="ela", status="passed", duration_ms=250)
    metrics.observe_verification(verdict="suspicious", seconds=1.5)
    metrics.count_webhook_delivery(outcome="failed")

    assert sample("certverify_layer_duration_seconds_count", **layer) == before_layer + 1
    assert sample("certverify_layer_duration_seconds_sum", **layer) == pytest.approx(before_sum + 0.25)
    assert sample("certverify_verifications_total", verdict="suspicious") == before_verdict + 1
    assert sample("certverify_pipeline_duration_seconds_count", verdict="suspicious") == before_pipeline + 1
    assert sample("certverify_webhook_deliveries_total", outcome="failed") == before_hook + 1


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="")
def test_celery_queue_depth_is_read_from_the_redis_broker_at_scrape_time():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/11"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue = "metrics-test-queue"
    client.delete(queue)
    client.rpush(queue, "a", "b", "c")
    try:
        with override_settings(
            CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER=False, METRICS_CELERY_QUEUES=[queue]
        ):
            body = scrape(REMOTE_ADDR="127.0.0.1").content.decode()
    finally:
        client.delete(queue)
    assert f'certverify_celery_queue_length{{queue="{queue}"}} 3.0' in body


@override_settings(ROOT_URLCONF=URLCONF, METRICS_TOKEN="")
def test_a_broker_outage_does_not_break_the_scrape():
    with override_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False, METRICS_CELERY_QUEUES=["x"]
    ):
        response = scrape(REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b'certverify_celery_queue_length{queue="x"}' not in response.content
