"""PostgreSQL goes away and comes back: requests fail cleanly and the app recovers by itself.

Requests go through the real WSGI application (not Django's test client, which switches off
`close_old_connections`), so connection reuse and CONN_HEALTH_CHECKS behave as under gunicorn.
Faults are confined to this process's own connection: its server backend is terminated (as a
PostgreSQL restart does), then its settings point at a port where nothing listens (as while
PostgreSQL is down). The machine's PostgreSQL keeps running throughout.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from certificates.lifecycle.services import certificate_issue
from organizations.access import Actor
from tests.net import free_port

from .conftest import wsgi_request

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


def terminate_own_backend() -> None:
    """Kill this process's server connection from another connection, as a restart would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextmanager
def database_unreachable():
    real_port = connection.settings_dict["PORT"]
    terminate_own_backend()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.settings_dict["PORT"] = real_port


def assert_clean_failure(response) -> None:
    text = response.content.decode(errors="replace")
    assert "Traceback" not in text and "psycopg" not in text and "OperationalError" not in text


def test_requests_fail_cleanly_while_postgres_is_away_and_recover_without_a_restart(org, owner):
    credential_id = certificate_issue(
        actor=Actor(user=owner),
        organization=org,
        recipient_name="Ada",
        title="MSc",
        issue_date=dt.date(2026, 6, 30),
    ).credential_id
    bearer = {"Authorization": f"Bearer {RefreshToken.for_user(owner).access_token}"}
    assert wsgi_request("GET", "/health/ready").status_code == 200
    assert wsgi_request("GET", "/api/v1/certificates/", headers=bearer).status_code == 200

    # The server side of the pooled connection dies (PostgreSQL restarted): the health check on
    # the next request notices and reconnects, so not even one request fails.
    terminate_own_backend()
    assert wsgi_request("GET", "/api/v1/certificates/", headers=bearer).status_code == 200

    with database_unreachable():
        ready = wsgi_request("GET", "/health/ready")
        assert ready.status_code == 503
        assert "database" in ready.json()["failed"]

        api = wsgi_request("GET", "/api/v1/certificates/", headers=bearer)
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "service_unavailable"
        assert int(api.headers["Retry-After"]) > 0
        assert_clean_failure(api)

        public = wsgi_request("GET", f"/api/v1/public/certificates/{credential_id}/")
        assert public.status_code == 503
        assert_clean_failure(public)

        page = wsgi_request("GET", f"/verify/{credential_id}/")
        assert page.status_code >= 500
        assert_clean_failure(page)

    # PostgreSQL is back: the same process serves again, no restart.
    assert wsgi_request("GET", "/health/ready").status_code == 200
    assert wsgi_request("GET", "/api/v1/certificates/", headers=bearer).status_code == 200
    assert wsgi_request("GET", f"/api/v1/public/certificates/{credential_id}/").status_code == 200
