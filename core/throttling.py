"""Throttles backed by the shared cache (Redis in production) so limits hold across workers."""

from rest_framework.throttling import SimpleRateThrottle


class ScopedIPThrottle(SimpleRateThrottle):
    """Per client address, for anonymous and authenticated callers alike."""

    scope = ""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(ScopedIPThrottle):
    scope = "login"


class RefreshThrottle(ScopedIPThrottle):
    scope = "refresh"


class RegisterThrottle(ScopedIPThrottle):
    scope = "register"


class PasswordResetThrottle(ScopedIPThrottle):
    scope = "password_reset"


class AnonVerifyThrottle(ScopedIPThrottle):
    """Anonymous verification requests; authenticated callers are not limited by this one."""

    scope = "anon_verify"

    def allow_request(self, request, view):
        if request.user is not None and request.user.is_authenticated or request.auth is not None:
            return True
        return super().allow_request(request, view)


class PublicLookupThrottle(ScopedIPThrottle):
    scope = "public_lookup"
