import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_liveness_is_ok():
    assert Client().get("/health/live").json() == {"status": "ok"}


def test_readiness_checks_each_dependency():
    response = Client().get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert body["failed"] == []


def test_readiness_answers_503_naming_a_dependency_the_app_cannot_serve_without(monkeypatch):
    from core import health

    def broken():
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and response.json()["failed"] == ["database"]


@pytest.mark.parametrize("dependency", ["cache", "broker"])
def test_readiness_is_degraded_not_unavailable_without_the_cache_or_broker(monkeypatch, dependency):
    from core import health

    def broken():
        raise ConnectionError(f"{dependency} is down")

    monkeypatch.setitem(health.CHECKS, dependency, broken)
    response = Client().get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["failed"] == [dependency]


def test_request_id_is_accepted_or_generated_and_echoed():
    assert Client().get("/health/live", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = Client().get("/health/live", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32


def test_openapi_schema_and_offline_docs_are_served():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token/" in paths and "/api/v1/organizations/{organization_slug}/members/" in paths
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # Offline: every script, style and icon comes from this site (not a CDN). Not a substring test
    # for "cdn": the page embeds a random CSRF token, which now and then contains those letters.
    assert re.findall(rb'(?:src|href)="(?!/)[^"]*"', docs.content) == []
    assert re.findall(rb'(?:src|href)="/static/[^"]*"', docs.content)


def test_unknown_api_route_uses_json_404():
    response = Client().get("/api/v1/nope/")
    assert response.status_code == 404


def test_portal_pages_carry_a_content_security_policy():
    response = Client().get("/health/live")
    assert "default-src 'self'" in response["Content-Security-Policy"]
