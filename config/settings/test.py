"""Test settings: the same code path; services are chosen by the same variables."""

import os

from .base import *  # noqa: F401,F403
from .base import CACHES, LOGGING, REDIS_URL, env

DEBUG = False
WEBHOOKS_ALLOW_LOOPBACK = True
WEBHOOKS_REQUIRE_HTTPS = False
DOMAIN_PROOF_ALLOW_LOOPBACK = True
DOMAIN_PROOF_REQUIRE_HTTPS = False
CREDENTIALS_FETCH_ALLOW_LOOPBACK = True
CREDENTIALS_FETCH_REQUIRE_HTTPS = False
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="/tmp/certverify-test-media"))  # noqa: F405
if not env.str("EMAIL_URL", default=""):  # a worker test points its worker at a local SMTP stand-in
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"
# Throttles are exercised by dedicated tests which set their own rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    k: "10000/min"
    for k in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # noqa: F405
}
CHAIN_CONFIRMATIONS = 1
CHAIN_EMBEDDED_REPLAY = False  # each test's embedded chain starts empty; test_demo_anchoring turns it on
# Tests run eagerly; tests marked `worker` switch to the real broker and a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

# One process serves and changes everything in a test, so the local-memory cache may hold principals.
AUTH_CACHE_SECONDS = 120

# pytest-xdist workers share one Redis: give each its own database so cache clears don't collide.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist.startswith("gw"):
    _db = 1 + int(_xdist[2:])
    CACHES["default"]["LOCATION"] = REDIS_URL.rsplit("/", 1)[0] + f"/{_db}"

# The suite's organizations are on the unlimited plan so no existing test meets a limit; billing's
# own tests put their organizations on `free` (tests/billing).
BILLING_DEFAULT_PLAN = "enterprise"
