"""Settings for the procurement app, driven by environment variables (12-factor, as in cookiecutter-django)."""

import os
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# pytest (8.2+) sets PYTEST_VERSION for the run; the suite needs no secrets of its own.
TESTING = "PYTEST_VERSION" in os.environ
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-key-for-development-and-tests-only"  # nosec B105  # DEBUG/tests only (see above)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procurement",
    "budgets",
    "orders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "procurement.inputs.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "procurement.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procurement.urls"

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
                "procurement.context_processors.membership",
            ],
        },
    },
]

WSGI_APPLICATION = "procurement.wsgi.application"

# SQLite by default (zero set-up); PostgreSQL via DATABASE_URL=postgres://user@host:5432/name.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout + IMMEDIATE transactions: several buyers at once without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "procurement.User"

# MemberBackend is Django's ModelBackend whose per-request user look-up also reads the membership, its
# business and roles (one query; procurement/auth.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "procurement.auth.MemberBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # The suite creates many users; a fast hasher keeps it quick. Real runs use Django's defaults.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Password reset and set-your-password links (one use each) stay valid this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

LOGIN_URL = "procurement:login"
LOGIN_REDIRECT_URL = "procurement:account"
LOGOUT_REDIRECT_URL = "procurement:home"

# Login throttling: five failures per email and address lock the pair for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "procurement.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "procurement/locked_out.html"
# The client address axes counts by (django-ipware). Default: REMOTE_ADDR only, so X-Forwarded-For is
# ignored and cannot be spoofed. Behind proxies that append the client address to X-Forwarded-For, set
# AXES_IPWARE_PROXY_COUNT to the number of proxy addresses that follow the client's in that header:
# 0 for one load balancer (X-Forwarded-For: client), 1 for a CDN in front of it (client, cdn), ... The
# address is taken at that position counted from the right, so whatever a client prepends is ignored.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    default=["REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT is None else ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
)
if AXES_IPWARE_PROXY_COUNT is None and any(h != "REMOTE_ADDR" for h in AXES_IPWARE_META_PRECEDENCE_ORDER):
    raise ImproperlyConfigured(
        "AXES_IPWARE_META_PRECEDENCE_ORDER reads a proxy header: set AXES_IPWARE_PROXY_COUNT too, or clients "
        "can choose their own address."
    )
# Take the address at the trusted position even when a client prepended addresses of its own (strict
# mode would give up on such a chain and count every such client as one).
IPWARE_STRICT = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        # collectstatic also writes compressed copies (gzip, brotli where installed); the load benchmark,
        # which fetches no static file, turns that off (STATIC_COMPRESS=false) to start in seconds.
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_COMPRESS", default=True)
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="procurement@localhost")
# SMTP (with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend). A timeout, so that a hanging mail
# server fails the send (retried by the notification task) instead of holding a worker.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Background jobs (procurement/celery.py): Celery with Redis as the broker. Without REDIS_URL (`make run`)
# and in the test suite, tasks run in-process (eager); tests/test_jobs_worker.py runs a real worker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING or not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = TESTING
# Render an invoice's PDF in the background when it is issued (orders.documents.tasks), so its first
# download is served stored. Off where tasks run in-process (make run, tests): there it would only make
# shipping slower, and the first download renders and stores it instead.
INVOICE_PDF_PRERENDER = env.bool("INVOICE_PDF_PRERENDER", default=not CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within this long is delivered again (Redis visibility timeout): longer than
# the slowest job (a 100k-row statement import, a month's invoice ZIP).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = "UTC"
# Periodic jobs (celery beat); each is also a management command for cron. Add yours here.
CELERY_BEAT_SCHEDULE: dict = {
    # Webhook deliveries whose retry is due (cron alternative: manage.py webhooks_send).
    "webhooks-send-due": {"task": "procurement.tasks.webhooks_send_due", "schedule": 60.0},
    # Notifications (README "Notifications"): every morning, tell finance that last month can be closed
    # (also `manage.py month_close_reminders_send` for cron).
    "month-close-reminders": {"task": "orders.finance.tasks.month_close_reminders", "schedule": crontab(hour=6, minute=0)},
    # Jobs whose message or worker was lost are enqueued again (cron: `manage.py jobs_resume`).
    "jobs-resume": {"task": "procurement.jobs.tasks.jobs_resume_task", "schedule": 300.0},
    # Approval reminders (N days) and escalation (M days); cron alternative: manage.py approval_reminders_send.
    "approval-reminders": {"task": "orders.approvals.tasks.approval_reminders_task", "schedule": 3600.0},
}
# Background jobs (procurement/jobs/): a running job whose heartbeat is older than this lost its worker
# and is run again by the next delivery. Their files live under MEDIA_ROOT/jobs/<business>/..., served
# only through the job's download view (never by the web server: there is no MEDIA_URL route).
JOBS_STALE_SECONDS = env.int("JOBS_STALE_SECONDS", default=120)
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media") if not TESTING else f"{tempfile.gettempdir()}/procurement-test-media"))

# With REDIS_URL, the cache (the per-request membership look-up, job progress) and the sessions
# (cached_db: read from Redis, written through to the database) use Redis; without it, memory and the
# database. REDIS_CACHE_URL picks another Redis database for the cache.
# The test suite keeps the in-memory cache unless REDIS_CACHE_URL is given explicitly.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="" if TESTING else REDIS_URL)
if REDIS_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL,
                          "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="procurement")}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The signed-in member's membership (member + business) from the cache for this long (0: every request
# reads it; procurement/tenancy.py). Every save of a member, user, business or role drops the entry.
MEMBERSHIP_CACHE_SECONDS = env.int("MEMBERSHIP_CACHE_SECONDS", default=300 if REDIS_CACHE_URL else 0)

# The operator: who issues invoices and ships goods.
OPERATOR_NAME = env("OPERATOR_NAME", default="Procurement Marketplace Inc.")
OPERATOR_ADDRESS = env.list(
    "OPERATOR_ADDRESS", default=["100 Commerce Way", "Seattle, WA 98109", "United States"]
)
# The seller on e-invoices (EN 16931 BG-4): structured address and identifiers. A seller outside any VAT
# system leaves OPERATOR_VAT_ID empty; see orders/documents/einvoice.py for the VAT category chosen.
OPERATOR_CITY = env("OPERATOR_CITY", default="Seattle")
OPERATOR_POSTAL_CODE = env("OPERATOR_POSTAL_CODE", default="98109")
OPERATOR_REGION = env("OPERATOR_REGION", default="WA")
OPERATOR_COUNTRY_CODE = env("OPERATOR_COUNTRY_CODE", default="US")
OPERATOR_VAT_ID = env("OPERATOR_VAT_ID", default="")
OPERATOR_TAX_ID = env("OPERATOR_TAX_ID", default="91-1646860")  # US EIN (BT-32, tax registration)
OPERATOR_LEGAL_ID = env("OPERATOR_LEGAL_ID", default="604 123 456")  # BT-30, e.g. a state business registration (UBI)
OPERATOR_ENDPOINT_ID = env("OPERATOR_ENDPOINT_ID", default="")
OPERATOR_ENDPOINT_SCHEME = env("OPERATOR_ENDPOINT_SCHEME", default="")

# Scan to verify at the dock: the QR code on packing slips and labels links here, signed, for this long.
SITE_URL = env("SITE_URL", default="http://localhost:8000")
DOCK_LINK_MAX_AGE_DAYS = env.int("DOCK_LINK_MAX_AGE_DAYS", default=90)

# Security: strict when DEBUG is off (python manage.py check --deploy is clean with production values).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_strict = not (DEBUG or TESTING)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_strict)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_strict)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_strict)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _strict else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _strict
SECURE_HSTS_PRELOAD = _strict
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files; no inline
# script or style anywhere (tests/test_security_headers.py scans the templates). The one exception is
# the documents' per-document @page rule (page size, the invoice's page footer), a <style> element that
# carries the request's nonce. data: images are Bootstrap's own icons (SVG in its CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the app never uses are switched off for it and anything it could embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# WhiteNoise serves static files in production (after collectstatic); in development and tests it
# finds them where they live.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# The JSON API (orders/api/, README "JSON API"): Django REST Framework, personal tokens only (no session
# auth, so no CSRF questions), per-token rate limits, RFC 9457 problem details for every error.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["orders.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["orders.api.permissions.IsMember"],
    "DEFAULT_THROTTLE_CLASSES": ["orders.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE_LIMIT", default="600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "orders.api.problems.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Procurement API",
    "DESCRIPTION": "Orders, invoices, budgets and payments of your business. Authenticate with a personal "
    "API token: `Authorization: Bearer pk_...` (Your Account → API tokens).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "InvoiceStatusEnum": "orders.models.Invoice.Status",
        "PaymentStatusEnum": "orders.models.Payment.Status",
        "BudgetStatusEnum": "budgets.models.Budget.Status",
    },
}
# Webhooks (procurement/webhooks.py): sent right after the event commits, retried by `manage.py
# webhooks_send` (cron, every minute). Plain http:// endpoints only in development and tests.
WEBHOOKS_SEND_ON_COMMIT = env.bool("WEBHOOKS_SEND_ON_COMMIT", default=True)
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG or TESTING)
