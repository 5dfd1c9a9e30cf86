"""Failed sign-ins and the lockouts they lead to.

Two counters, both kept in the database (so they hold while Redis is down) and both changed by
one atomic UPDATE per failure, never read, added to and written back, so concurrent failures are
all counted:

* per (account, client address): CLIENT_THRESHOLD failures lock that address out of that account
  for CLIENT_LOCK, doubling with each failure after a lockout ends, up to CLIENT_LOCK_MAX. A
  guesser locks out only itself; the owner signing in from elsewhere is not affected.
* per account: ACCOUNT_THRESHOLD failures from all addresses together lock the account for
  everyone for ACCOUNT_LOCK (again after each further failure), against guessing spread over
  many addresses.

A count starts over once FAILURE_WINDOW has passed since the first failure it holds. Signing in
clears the count of that address only: the owner signing in must not wipe out the evidence of
guessing from elsewhere, so the account's count is left to its window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import LoginFailure, User

CLIENT_THRESHOLD = 10
CLIENT_LOCK = timedelta(minutes=15)
CLIENT_LOCK_MAX = timedelta(hours=24)
ACCOUNT_THRESHOLD = 100
ACCOUNT_LOCK = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(hours=24)


def login_locked(*, user: User, ip: str | None) -> bool:
    """Whether sign-ins of `user` from `ip` are refused now (the account's or the address's lock)."""
    now = timezone.now()
    if user.locked_until and user.locked_until > now:
        return True
    return LoginFailure.objects.filter(user=user, ip=ip or "", locked_until__gt=now).exists()


def login_failure_record(*, user: User, ip: str | None) -> int:
    """Count one failed sign-in of `user` from `ip` and lock what passed its threshold; returns
    the address's count."""
    now = timezone.now()
    failures = _count_client_failure(user, ip or "", now)
    _count_account_failure(user, now)
    return failures


def login_success_record(*, user: User, ip: str | None) -> None:
    LoginFailure.objects.filter(user=user, ip=ip or "").delete()


def login_failures_clear(*, user: User) -> None:
    """Forget every failure and lock of the account (its owner proved who they are by e-mail)."""
    LoginFailure.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(failed_login_count=0, failed_login_since=None, locked_until=None)


def _one_more(count: str, since: str, now: datetime) -> dict:
    """An UPDATE's assignments adding one failure: one more, or the first of a new window.

    Both CASEs read the row as it was before the UPDATE, as SQL assignments do."""
    window_over = Q(**{f"{since}__isnull": True}) | Q(**{f"{since}__lt": now - FAILURE_WINDOW})
    return {
        count: Case(When(window_over, then=Value(1)), default=F(count) + 1),
        since: Case(When(window_over, then=Value(now)), default=F(since)),
    }


def _count_client_failure(user: User, ip: str, now: datetime) -> int:
    rows = LoginFailure.objects.filter(user=user, ip=ip)
    assignments = {**_one_more("failures", "failed_since", now), "last_failed_at": now}
    if not rows.update(**assignments):
        try:
            with transaction.atomic():
                LoginFailure.objects.create(
                    user=user, ip=ip, failures=1, failed_since=now, last_failed_at=now
                )
        except IntegrityError:  # a concurrent failure created the row first
            rows.update(**assignments)
    failures = rows.values_list("failures", flat=True).first() or 0
    if failures >= CLIENT_THRESHOLD:
        doublings = min(failures - CLIENT_THRESHOLD, 16)
        rows.update(locked_until=now + min(CLIENT_LOCK * 2**doublings, CLIENT_LOCK_MAX))
    return failures


def _count_account_failure(user: User, now: datetime) -> None:
    rows = User.objects.filter(pk=user.pk)
    rows.update(**_one_more("failed_login_count", "failed_login_since", now))
    rows.filter(failed_login_count__gte=ACCOUNT_THRESHOLD).update(locked_until=now + ACCOUNT_LOCK)
