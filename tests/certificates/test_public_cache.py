"""The cached public status lookup: what is cached, for how long, and what drops it."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.lifecycle.credential_ids import new_credential_id
from certificates.public_status import cache as public_cache
from organizations.access import Actor
from organizations.services import organization_update
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db

ISSUE = {"recipient_name": "Grace Hopper", "title": "BSc Mathematics", "issue_date": "2025-06-30"}


def issue(client, org, **extra) -> str:
    response = client.post(
        "/api/v1/certificates/", {**ISSUE, "organization": org.slug, **extra}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["credential_id"]


def public(credential_id):
    return APIClient().get(f"/api/v1/public/certificates/{credential_id}/")


def test_unknown_id_is_answered_from_cache_the_second_time(django_assert_num_queries):
    credential_id = new_credential_id()
    assert public(credential_id).status_code == 404
    with django_assert_num_queries(0):
        response = public(credential_id)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_cached_404_is_dropped_when_the_id_is_issued(
    org, issuer, monkeypatch, django_capture_on_commit_callbacks
):
    credential_id = new_credential_id()
    assert public(credential_id).status_code == 404  # now cached as missing
    monkeypatch.setattr("certificates.lifecycle.services.new_credential_id", lambda: credential_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert issue(auth_client(issuer), org) == credential_id
    response = public(credential_id)
    assert response.status_code == 200 and response.json()["status"] == "valid"


def test_cached_status_is_served_without_database_queries(org, issuer, django_assert_num_queries):
    credential_id = issue(auth_client(issuer), org)
    first = public(credential_id)
    with django_assert_num_queries(0):
        second = public(credential_id)
    assert second.status_code == 200 and second.content == first.content


def test_an_old_payload_cannot_overwrite_a_status_change(org, issuer, django_capture_on_commit_callbacks):
    client = auth_client(issuer)
    credential_id = issue(client, org)
    stale = public(credential_id).content  # what a request that read the row before the change holds
    public_cache.invalidate(credential_id)  # the change is not cached any more
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/certificates/{credential_id}/revoke/", {"reason": "Withdrawn"})
    public_cache.put(credential_id, stale)  # the slow request finishes after the change committed
    assert public(credential_id).json()["status"] == "revoked"


def test_renaming_the_issuer_drops_its_cached_statuses(
    org, owner, issuer, django_capture_on_commit_callbacks
):
    credential_id = issue(auth_client(issuer), org)
    assert public(credential_id).json()["issuer"]["name"] == org.name
    with django_capture_on_commit_callbacks(execute=True):
        organization_update(actor=Actor(user=owner), organization=org, name="Renamed University")
    assert public(credential_id).json()["issuer"]["name"] == "Renamed University"


def test_entry_ends_when_the_certificate_starts_to_read_expired():
    now = timezone.make_aware(dt.datetime(2026, 3, 10, 22, 0))
    assert public_cache.timeout_for(None, now) == public_cache.PUBLIC_TTL
    assert public_cache.timeout_for(dt.date(2026, 3, 10), now) == 2 * 3600  # midnight after expiry day
    assert public_cache.timeout_for(dt.date(2027, 1, 1), now) == public_cache.PUBLIC_TTL
    assert public_cache.timeout_for(dt.date(2026, 3, 9), now) == public_cache.PUBLIC_TTL  # already expired


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
def test_a_search_with_few_matches_is_not_counted_twice(org, issuer):
    from django.test.utils import CaptureQueriesContext

    client = auth_client(issuer)
    issue(client, org, recipient_name="Grace Brewster Hopper")
    issue(client, org, recipient_name="Grace Murray")
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/certificates/?q=grace hop").json()
    assert body["count"] == 1 and body["count_capped"] is False
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
