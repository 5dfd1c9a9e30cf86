"""Test settings: the same code path; services are chosen by the same variables."""

from .base import *  # noqa: F401,F403
from .base import LOGGING, env

DEBUG = False
WEBHOOKS_ALLOW_LOOPBACK = True
WEBHOOKS_REQUIRE_HTTPS = False
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="/tmp/certverify-test-media"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"
# Throttles are exercised by dedicated tests which set their own rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    k: "10000/min" for k in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # noqa: F405
}
CHAIN_CONFIRMATIONS = 1
