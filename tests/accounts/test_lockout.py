"""Failed sign-ins are counted per (account, client address) with a growing lockout, under a much
higher ceiling per account; the counters are atomic updates, never a read-add-write."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import lockout, services
from accounts.errors import AuthFailed
from accounts.models import LoginFailure, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OWNER_IP = "198.51.100.7"
ATTACKER_IP = "203.0.113.66"


def login(ip: str, user: User, password: str) -> int:
    response = APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token/", {"email": user.email, "password": password}
    )
    return response.status_code


def test_a_guesser_locks_out_only_its_own_address_and_the_owner_still_signs_in():
    user = UserFactory()
    for _ in range(3 * lockout.CLIENT_THRESHOLD):
        assert login(ATTACKER_IP, user, "wrong-password") == 401
    assert login(ATTACKER_IP, user, PASSWORD) == 401  # locked: even the right password fails
    assert login(OWNER_IP, user, PASSWORD) == 200
    guesser = LoginFailure.objects.get(user=user, ip=ATTACKER_IP)
    assert guesser.failures == lockout.CLIENT_THRESHOLD  # refused attempts are not checked or counted
    assert guesser.locked_until > timezone.now()


def test_many_addresses_past_the_account_ceiling_lock_the_account_for_everyone():
    user = UserFactory()
    per_address = 3
    addresses = [f"203.0.113.{n}" for n in range(1, lockout.ACCOUNT_THRESHOLD // per_address + 2)]
    for address in addresses:
        for _ in range(per_address):
            login(address, user, "wrong-password")
    assert not LoginFailure.objects.filter(user=user, locked_until__isnull=False).exists()
    user.refresh_from_db()
    assert user.failed_login_count >= lockout.ACCOUNT_THRESHOLD
    assert user.locked_until > timezone.now()
    assert login(OWNER_IP, user, PASSWORD) == 401


def test_a_client_lockout_doubles_with_each_failure_after_it_expires():
    user = UserFactory()
    for _ in range(lockout.CLIENT_THRESHOLD):
        login(ATTACKER_IP, user, "wrong-password")
    first = LoginFailure.objects.get(user=user, ip=ATTACKER_IP)
    assert first.locked_until - first.last_failed_at == lockout.CLIENT_LOCK

    LoginFailure.objects.filter(pk=first.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    login(ATTACKER_IP, user, "wrong-password")
    second = LoginFailure.objects.get(pk=first.pk)
    assert second.failures == lockout.CLIENT_THRESHOLD + 1
    assert second.locked_until - second.last_failed_at == 2 * lockout.CLIENT_LOCK


def test_a_successful_sign_in_clears_the_failures_of_that_address_only():
    user = UserFactory()
    login(OWNER_IP, user, "wrong-password")
    login(ATTACKER_IP, user, "wrong-password")
    assert login(OWNER_IP, user, PASSWORD) == 200
    assert list(LoginFailure.objects.filter(user=user).values_list("ip", flat=True)) == [ATTACKER_IP]


def test_failures_older_than_the_window_are_forgotten():
    user = UserFactory()
    for _ in range(3):
        login(ATTACKER_IP, user, "wrong-password")
    long_ago = timezone.now() - lockout.FAILURE_WINDOW - timedelta(minutes=1)
    LoginFailure.objects.filter(user=user).update(failed_since=long_ago)
    User.objects.filter(pk=user.pk).update(failed_login_since=long_ago)
    login(ATTACKER_IP, user, "wrong-password")
    assert LoginFailure.objects.get(user=user).failures == 1
    user.refresh_from_db()
    assert user.failed_login_count == 1


def test_a_wrong_second_factor_counts_like_a_wrong_password():
    import pyotp

    from core.crypto import encrypt_text

    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        totp_secret_encrypted=encrypt_text(pyotp.random_base32()), totp_enabled=True
    )
    response = APIClient(REMOTE_ADDR=ATTACKER_IP).post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": "000000"}
    )
    assert response.status_code == 401
    assert LoginFailure.objects.get(user=user, ip=ATTACKER_IP).failures == 1


def test_a_failure_landing_between_the_read_and_the_write_is_not_lost():
    """Another request's failure is written while this one checks the password (Django sends
    user_login_failed from inside authenticate): both are counted, because each failure is an
    increment in the database, not a copy of a count read before."""
    user = UserFactory()
    request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=ATTACKER_IP)
    competing = []

    def another_request_fails(**kwargs):
        if not competing:
            competing.append(True)
            with pytest.raises(AuthFailed):
                services.user_authenticate(request=request, email=user.email, password="also-wrong")

    user_login_failed.connect(another_request_fails)
    try:
        with pytest.raises(AuthFailed):
            services.user_authenticate(request=request, email=user.email, password="wrong-password")
    finally:
        user_login_failed.disconnect(another_request_fails)
    user.refresh_from_db()
    assert user.failed_login_count == 2
    assert LoginFailure.objects.get(user=user, ip=ATTACKER_IP).failures == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_failures_are_all_counted():
    user = UserFactory()
    threads, per_thread, errors = 8, 5, []

    def fail_repeatedly(n: int) -> None:
        request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=f"203.0.113.{n + 1}")
        try:
            for _ in range(per_thread):
                try:
                    services.user_authenticate(request=request, email=user.email, password="wrong-password")
                except AuthFailed:
                    pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=fail_repeatedly, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    user.refresh_from_db()
    assert user.failed_login_count == threads * per_thread
    assert (
        sorted(LoginFailure.objects.filter(user=user).values_list("failures", flat=True))
        == [per_thread] * threads
    )
