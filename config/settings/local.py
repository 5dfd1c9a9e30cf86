"""Local development: the embedded default plus debug conveniences."""

from .base import *  # noqa: F401,F403
from .base import LOGGING, env

DEBUG = env.bool("DEBUG", default=True)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
DOMAIN_PROOF_ALLOW_LOOPBACK = env.bool("DOMAIN_PROOF_ALLOW_LOOPBACK", default=True)
DOMAIN_PROOF_REQUIRE_HTTPS = env.bool("DOMAIN_PROOF_REQUIRE_HTTPS", default=False)
CREDENTIALS_FETCH_ALLOW_LOOPBACK = env.bool("CREDENTIALS_FETCH_ALLOW_LOOPBACK", default=True)
CREDENTIALS_FETCH_REQUIRE_HTTPS = env.bool("CREDENTIALS_FETCH_REQUIRE_HTTPS", default=False)
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # eager tasks would log every render
