"""The client's address is read in one place (core.client_ip), trusting X-Forwarded-For only for
the NUM_PROXIES hops the deployment declares: the audit log, the failed-login buckets and the
throttles all see the real client behind a proxy, and a client cannot choose its address."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import LoginFailure
from core.client_ip import client_ip
from organizations.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT = "203.0.113.5"
OTHER_CLIENT = "198.51.100.9"
SPOOFED = "192.0.2.77"


@pytest.fixture
def num_proxies(settings):
    def apply(count: int) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return apply


@pytest.fixture
def login_rate():
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "login": "3/min"}
    yield
    SimpleRateThrottle.THROTTLE_RATES = original


def request_from(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def through_proxy(real_client: str, spoofed: str = SPOOFED) -> APIClient:
    """A client behind one proxy that appends the address it saw to what the client sent."""
    return APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{spoofed}, {real_client}")


def test_behind_one_proxy_the_client_is_the_entry_the_proxy_appended(num_proxies):
    num_proxies(1)
    assert client_ip(request_from(PROXY, f"{SPOOFED}, {CLIENT}")) == CLIENT
    assert client_ip(request_from(PROXY, CLIENT)) == CLIENT
    assert client_ip(request_from(PROXY)) == PROXY  # reached directly, no header


def test_without_a_proxy_configured_the_header_is_ignored(num_proxies):
    num_proxies(0)
    assert client_ip(request_from(CLIENT, SPOOFED)) == CLIENT


def test_a_forwarded_entry_that_is_not_an_address_is_not_used(num_proxies):
    num_proxies(1)
    assert client_ip(request_from(PROXY, f"{SPOOFED}, not-an-address")) == PROXY
    assert client_ip(request_from(PROXY, "")) == PROXY


def test_behind_a_proxy_the_audit_log_and_the_failure_bucket_name_the_real_client(num_proxies):
    num_proxies(1)
    user = UserFactory()
    through_proxy(CLIENT).post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
    assert LoginFailure.objects.get(user=user).ip == CLIENT
    assert AuditEvent.objects.get(action="auth.login_failed").ip == CLIENT
    through_proxy(CLIENT).post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert AuditEvent.objects.get(action="auth.login").ip == CLIENT


def test_behind_a_proxy_each_client_has_its_own_login_throttle(num_proxies, login_rate):
    num_proxies(1)
    user = UserFactory()
    codes = [
        # A different spoofed leftmost entry each time does not make a new bucket.
        through_proxy(CLIENT, spoofed=f"192.0.2.{n}")
        .post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
        .status_code
        for n in range(4)
    ]
    assert codes[-1] == 429
    other = through_proxy(OTHER_CLIENT).post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}
    )
    assert other.status_code == 200


def test_without_a_proxy_a_spoofed_header_changes_neither_the_audit_nor_the_bucket(num_proxies, login_rate):
    num_proxies(0)
    user = UserFactory()
    codes = [
        APIClient(REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        .post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password"})
        .status_code
        for n in range(4)
    ]
    assert codes[-1] == 429
    assert set(AuditEvent.objects.filter(action="auth.login_failed").values_list("ip", flat=True)) == {CLIENT}
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {CLIENT}


def test_behind_a_proxy_a_portal_sign_in_is_audited_with_the_real_client(client, num_proxies):
    num_proxies(1)
    user = UserFactory()
    client.post(
        "/portal/login/",
        {"email": user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{SPOOFED}, {CLIENT}",
    )
    assert AuditEvent.objects.get(action="auth.login").ip == CLIENT


@pytest.mark.parametrize(
    ("remote", "forwarded"),
    [(PROXY, f"{SPOOFED}, {CLIENT}"), (PROXY, f"{SPOOFED}, not-an-address"), (PROXY, None), ("::1", None)],
)
def test_the_throttles_count_the_address_the_audit_log_records(num_proxies, remote, forwarded):
    from core.throttling import LoginThrottle

    num_proxies(1)
    request = request_from(remote, forwarded)
    assert LoginThrottle().get_ident(request) == client_ip(request)
