"""Throttles backed by the shared cache (Redis in production) so limits hold across workers."""

import logging
import math

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import client_ip

logger = logging.getLogger(__name__)


def _redis():
    if settings.CACHES["default"]["BACKEND"] != "django_redis.cache.RedisCache":
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def count_hit(key: str, window: int, duration: int) -> tuple[int, int]:
    """Count one request in `window`; return (this window's count, the previous window's count).

    On Redis this is one pipelined round trip (INCR, EXPIRE, GET). If the cache is unreachable
    the request is not counted and passes (throttles degrade open, like the cache itself).
    """
    current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
    try:
        client = _redis()
        if client is None:
            cache.add(current_key, 0, 2 * duration + 1)
            return cache.incr(current_key), int(cache.get(previous_key) or 0)
        full_current = cache.make_key(current_key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_current)
        pipe.expire(full_current, 2 * duration + 1)
        pipe.get(cache.make_key(previous_key))
        current, _, previous = pipe.execute()
        return int(current), int(previous or 0)
    except Exception:
        logger.warning("throttle: cache unavailable, request not counted", exc_info=True)
        return 0, 0


def count_hit_and_get(key: str, window: int, duration: int, cache_key: str) -> tuple[int, int, object]:
    """count_hit, and in the same Redis round trip read `cache_key` from the cache (None if absent).

    For a view whose answer is usually one cache read (the public status lookup): one round trip
    per request instead of two. Degrades like count_hit: uncounted, and a cache miss.
    """
    try:
        client = _redis()
        if client is None:
            return (*count_hit(key, window, duration), cache.get(cache_key))
        full_current = cache.make_key(f"{key}:{window}")
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_current)
        pipe.expire(full_current, 2 * duration + 1)
        pipe.get(cache.make_key(f"{key}:{window - 1}"))
        pipe.get(cache.make_key(cache_key))
        current, _, previous, value = pipe.execute()
        return int(current), int(previous or 0), None if value is None else cache.client.decode(value)
    except Exception:
        logger.warning("throttle: cache unavailable, request not counted", exc_info=True)
        return 0, 0, None


class ScopedIPThrottle(SimpleRateThrottle):
    """Per client address, for anonymous and authenticated callers alike.

    A sliding-window counter: requests are counted per fixed window of the rate's duration and
    the sliding count is estimated as this window's count plus the previous window's, weighted by
    how much of it the sliding window still covers. That is one cache round trip per request
    instead of DRF's read-modify-write of a pickled list of timestamps (which cost ~3x as much on
    every public lookup, see docs/scaling.md).
    """

    scope = ""

    def get_ident(self, request):
        # The address the audit log and the failed-login buckets see too (NUM_PROXIES hops trusted).
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        elapsed = now - window * self.duration
        current, previous = self.count(request, view, key, window)
        carried = previous * (1 - elapsed / self.duration)
        if carried + current <= self.num_requests:
            return True
        if current > self.num_requests:  # over the limit within this window alone
            self._wait = self.duration - elapsed
        else:  # wait until enough of the previous window has slid out
            room = max(self.num_requests - current, 0)
            self._wait = self.duration * (1 - room / previous) - elapsed if previous else 1
        return False

    def count(self, request, view, key: str, window: int) -> tuple[int, int]:
        return count_hit(key, window, self.duration)

    def wait(self):
        return max(1, math.ceil(getattr(self, "_wait", self.duration)))


class LoginThrottle(ScopedIPThrottle):
    scope = "login"


class RefreshThrottle(ScopedIPThrottle):
    scope = "refresh"


class RegisterThrottle(ScopedIPThrottle):
    scope = "register"


class PasswordResetThrottle(ScopedIPThrottle):
    scope = "password_reset"


class PublicLookupThrottle(ScopedIPThrottle):
    scope = "public_lookup"


class AnonVerificationReadThrottle(PublicLookupThrottle):
    """Anonymous reads of a verification (polling its status_url, its artifacts): counted as
    lookups, so waiting for a result never spends the budget for starting verifications."""

    def allow_request(self, request, view):
        if request.user is not None and request.user.is_authenticated or request.auth is not None:
            return True
        return super().allow_request(request, view)


class _CallerThrottle(ScopedIPThrottle):
    """A scope's rate for a caller named by a service rather than read from a DRF request."""

    def __init__(self, scope: str, ident: str):
        self.scope, self.ident = scope, ident
        super().__init__()

    def get_ident(self, request):
        return self.ident


def throttle_wait(*, scope: str, ident: str) -> int | None:
    """Count one request of `ident` against `scope`'s rate, in the bucket the scope's DRF throttle
    uses for that ident; the seconds to wait when it is over the rate, else None.

    For a service that must hold the same limit on every path into it (API, HTML form, portal).
    """
    throttle = _CallerThrottle(scope, ident)
    return None if throttle.allow_request(None, None) else throttle.wait()
