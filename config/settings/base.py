"""Settings shared by every mode.

Everything external is switched on by its environment variable being set; with none set the
project runs on the embedded default (SQLite, local-memory cache, eager Celery, local files,
the in-process test chain, local OCR). README.md lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used in QR codes, e-mails and OpenGraph tags.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "organizations",
    "certificates",
    "credentials",
    "holders",
    "fraud",
    "verification",
    "webhooks",
    "billing",
]

MIDDLEWARE = [
    "core.metrics.RequestMetricsMiddleware",  # first: times the whole stack
    "core.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PublicLocaleMiddleware",  # after sessions, before common (as Django asks)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when PostgreSQL is down so readiness answers 503 instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DB_CONNECT_TIMEOUT", default=3
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and rate limits ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A Redis outage degrades to cache misses instead of 500s (docs/operations.md).
                "IGNORE_EXCEPTIONS": True,
            },
            "KEY_PREFIX": "cv",
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "certverify"}
    }

# --- Background work ------------------------------------------------------------------------
_broker_url = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _broker_url)
# Without a broker, eager tasks still take a producer from the pool: the in-memory transport
# gives them one without kombu warning "No hostname was supplied" on every request.
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 2}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A queue for the image-heavy part of a verification (stage 1's OCR and QR reading, ELA, the diff
# against the original), to give it its own workers: `celery worker -Q images` beside
# `celery worker -Q celery`. Empty (the default): everything on the default queue.
FRAUD_IMAGES_QUEUE = env.str("FRAUD_IMAGES_QUEUE", default="")
CELERY_BEAT_SCHEDULE: dict = {
    "billing-downgrade-lapsed": {"task": "billing.downgrade_lapsed", "schedule": timedelta(hours=1)},
    "anchor-pending-certificates": {
        "task": "certificates.anchor_pending_certificates",
        "schedule": timedelta(minutes=10),
    },
    "confirm-anchors": {"task": "certificates.confirm_anchors", "schedule": timedelta(minutes=1)},
    "anchor-blockcerts": {"task": "certificates.anchor_blockcerts", "schedule": timedelta(minutes=10)},
    "reap-stale-verifications": {
        "task": "verification.tasks.reap_stale_verifications",
        "schedule": timedelta(minutes=5),
    },
    "resume-stalled-batches": {
        "task": "certificates.resume_stalled_batches",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 60},
    },
    "purge-old-uploads": {"task": "verification.tasks.purge_old_uploads", "schedule": timedelta(hours=6)},
    "retry-public-status-purges": {
        "task": "certificates.retry_public_status_purges",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "recheck-organization-domains": {
        "task": "organizations.recheck_domains",
        "schedule": timedelta(hours=1),
        "options": {"expires": 600},
    },
    "webhooks-sweep": {"task": "webhooks.sweep", "schedule": 5.0, "options": {"expires": 5}},
    "holders-sweep-deliveries": {
        "task": "holders.sweep_deliveries",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    "holders-expiry-reminders": {
        "task": "holders.expiry_reminders",
        "schedule": timedelta(hours=6),  # a run per day sends; later runs find the rows made
        "options": {"expires": 3600},
    },
}

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Accounts and auth ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "accounts.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
# What each app adds to the portal dashboard, top to bottom: `func(request) -> DashboardSection | None`
# (organizations/portal.py). Named here because the dashboard cannot import the apps above it.
PORTAL_DASHBOARD_SECTIONS = [
    "certificates.lifecycle.portal.certificates_dashboard",
    "holders.portal.delivery_dashboard",
    "verification.portal_views.verifications_dashboard",
    "organizations.views.organization_dashboard",
]
# Key for encrypting secrets at rest (TOTP secrets, organization signing keys). Any string;
# it is stretched into a Fernet key. Falls back to SECRET_KEY on the embedded default.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=SECRET_KEY)
# The platform's Ed25519 key for signed verification reports: standard base64 of the raw 32-byte
# private key. Required in production (`check --deploy` warns); on the embedded default a key is
# generated on first use and kept encrypted in the database (verification/report_signing.py).
REPORT_SIGNING_KEY = env.str("REPORT_SIGNING_KEY", default="")
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
INVITATION_TTL = timedelta(days=7)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizations.authentication.CachedJWTAuthentication",
        "organizations.authentication.APIKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "refresh": env.str("THROTTLE_REFRESH", default="30/min"),
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="5/hour"),
        "anon_verify": env.str("THROTTLE_ANON_VERIFY", default="30/min"),
        "verify": env.str("THROTTLE_VERIFY", default="120/min"),  # per person or API key
        "public_lookup": env.str("THROTTLE_PUBLIC_LOOKUP", default="120/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Seconds a JWT's user and their roles are served from the cache instead of two queries
# (organizations/principals.py; every change invalidates them at once). It needs a cache that
# all processes share, so it is off on the local-memory default.
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=120 if REDIS_URL else 0)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUDIENCE": "certverify-api",
    "ISSUER": "certverify",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Tokens carry a fingerprint of the password hash: a password change or reset refuses every
    # access token issued before it at once (refresh tokens are blacklisted as well).
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CertVerify API",
    "DESCRIPTION": "Issue tamper-evident certificates and verify them with a six-layer fraud pipeline.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "organizations.roles.Role",
        "APIKeyRoleEnum": "organizations.roles.API_KEY_ROLE_CHOICES",
        # Verifications and issuance batches share these choices; one name keeps the schema stable.
        "JobStatusEnum": "verification.models.VerificationRequest.Status",
    },
    # Error responses in the one error shape, summaries and real examples on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.error_responses_and_examples",
    ],
}

# --- Internationalization -------------------------------------------------------------------
# The public verify and holder pages follow the browser's language (core.middleware.PublicLocaleMiddleware,
# docs/i18n.md); the portal, the admin, the API and e-mails stay in English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("hi", "हिन्दी"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ar", "العربية"),
    ("zh-hans", "简体中文"),
]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CertVerify <no-reply@certverify.local>")

# --- Uploads --------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=15 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
UPLOAD_MAX_PDF_PAGES = env.int("UPLOAD_MAX_PDF_PAGES", default=5)
CSV_MAX_ROWS = env.int("CSV_MAX_ROWS", default=20_000)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SENTRY_DSN = env.str("SENTRY_DSN", default="")
# /metrics: with a token, only `Authorization: Bearer <token>`; without one, only direct loopback
# requests, and in production (METRICS_ALLOW_LOOPBACK off there) nothing at all.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOW_LOOPBACK = True
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=[])

# --- Integrations (each on when its variable is set) ----------------------------------------
GEMINI_API_KEY = env.str("GEMINI_API_KEY", default="")
GEMINI_BASE_URL = env.str("GEMINI_BASE_URL", default="")
GEMINI_MODEL = env.str("GEMINI_MODEL", default="gemini-2.5-flash")
GEMINI_TIMEOUT_SECONDS = env.float("GEMINI_TIMEOUT_SECONDS", default=20.0)
GEMINI_DAILY_BUDGET_PER_ORG = env.int("GEMINI_DAILY_BUDGET_PER_ORG", default=500)
CHAIN_RPC_URL = env.str("CHAIN_RPC_URL", default="")
CHAIN_RPC_URL_SECONDARY = env.str("CHAIN_RPC_URL_SECONDARY", default="")
CHAIN_PRIVATE_KEY = env.str("CHAIN_PRIVATE_KEY", default="")
CHAIN_CONFIRMATIONS = env.int("CHAIN_CONFIRMATIONS", default=2)
# The embedded chain (no CHAIN_RPC_URL) re-sends the anchors earlier processes stored (e.g. seed_demo's).
CHAIN_EMBEDDED_REPLAY = env.bool("CHAIN_EMBEDDED_REPLAY", default=True)
# On the embedded chain only (bin/demo sets it): the anchoring task also builds the Blockcerts batch,
# mines and confirms at once, since eager tasks have no worker or beat to follow an anchor.
ANCHOR_INLINE = env.bool("ANCHOR_INLINE", default=False)
ANCHOR_BATCH_SIZE = env.int("ANCHOR_BATCH_SIZE", default=500)
ANCHOR_STUCK_AFTER_SECONDS = env.int("ANCHOR_STUCK_AFTER_SECONDS", default=600)
# Domain proof (organizations/identity.py): a TXT record through DNS, or a file fetched through the
# same SSRF guard as webhooks. The two switches allow http:// and a loopback host (tests, local).
DOMAIN_PROOF_REQUIRE_HTTPS = env.bool("DOMAIN_PROOF_REQUIRE_HTTPS", default=True)
DOMAIN_PROOF_ALLOW_LOOPBACK = env.bool("DOMAIN_PROOF_ALLOW_LOOPBACK", default=False)
DOMAIN_PROOF_NAMESERVER = env.str("DOMAIN_PROOF_NAMESERVER", default="")  # host:port; empty: the system's
DOMAIN_PROOF_TIMEOUT = env.float("DOMAIN_PROOF_TIMEOUT", default=5.0)  # seconds, DNS and HTTP each
DOMAIN_PROOF_RECHECK_INTERVAL = timedelta(hours=env.float("DOMAIN_PROOF_RECHECK_HOURS", default=24.0))
# A re-check that cannot find the proof (a DNS or web server hiccup) does not downgrade at once: the
# admins are e-mailed, and the level drops only when every re-check has failed for this long (with
# the defaults: failures at 0, 24, 48 and 72 hours, so the fourth in a row). 0: at the first failure.
DOMAIN_RECHECK_GRACE = timedelta(hours=env.float("DOMAIN_RECHECK_GRACE_HOURS", default=72.0))
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Checking others' credentials (credentials/did_web.py): did:web documents and status lists are
# fetched through the same SSRF guard; the two switches allow http:// and loopback (tests, local).
CREDENTIALS_FETCH_REQUIRE_HTTPS = env.bool("CREDENTIALS_FETCH_REQUIRE_HTTPS", default=True)
CREDENTIALS_FETCH_ALLOW_LOOPBACK = env.bool("CREDENTIALS_FETCH_ALLOW_LOOPBACK", default=False)
CREDENTIALS_FETCH_TIMEOUT = env.float("CREDENTIALS_FETCH_TIMEOUT", default=5.0)  # seconds per fetch
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=True)
WEBHOOKS_CONNECT_TIMEOUT = env.float("WEBHOOKS_CONNECT_TIMEOUT", default=5.0)
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=15.0)  # hard deadline per attempt
WEBHOOKS_CLAIM_SECONDS = env.float("WEBHOOKS_CLAIM_SECONDS", default=60.0)  # must exceed WEBHOOKS_TIMEOUT

# --- Fraud pipeline -------------------------------------------------------------------------
FRAUD_AUTHENTIC_THRESHOLD = env.int("FRAUD_AUTHENTIC_THRESHOLD", default=80)
FRAUD_FRAUDULENT_THRESHOLD = env.int("FRAUD_FRAUDULENT_THRESHOLD", default=45)
FRAUD_MIN_POINTS_FOR_VERDICT = env.int("FRAUD_MIN_POINTS_FOR_VERDICT", default=30)
VERIFICATION_UPLOAD_RETENTION_DAYS = env.int("VERIFICATION_UPLOAD_RETENTION_DAYS", default=30)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIDFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Billing (billing/, docs/billing.md). New organizations start on this plan (a Plan's code). A
# provider is offered at checkout only when its keys are set; Stripe and Razorpay base URLs are
# configurable so tests point them at local stand-ins.
BILLING_DEFAULT_PLAN = env.str("BILLING_DEFAULT_PLAN", default="free")
BILLING_GRACE = timedelta(days=env.float("BILLING_GRACE_DAYS", default=7.0))
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_CHECKOUT_BASE = env.str("STRIPE_CHECKOUT_BASE", default="https://checkout.stripe.com")
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", default="")
RAZORPAY_API_BASE = env.str("RAZORPAY_API_BASE", default="https://api.razorpay.com")
