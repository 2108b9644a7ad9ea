"""Settings for MIS.

Everything that differs between machines comes from the environment through the
one ``env`` object below (a ``.env`` file beside ``manage.py`` is read too).
Defaults are the safe production ones; ``DEBUG=true`` is what development and
the quick start set.
"""

import datetime
import hashlib
import hmac
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _strict_bool(name: str, default: bool) -> bool:
    """Parse a boolean strictly: a typo such as DEBUG=ture must fail, not mean False."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


DEBUG = _strict_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key-do-not-deploy")
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.") from exc

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_countries",
    "axes",
    "mis.apps.MisConfig",
    "customers",
    "governance",
    "insight",
    "integrations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # One access-log row for each request that showed personal data, whatever
    # the face (pages, admin, API, downloads): see governance/middleware.py.
    "governance.middleware.AccessLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lock-out into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mis.urls"
WSGI_APPLICATION = "mis.wsgi.application"

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
                "mis.context_processors.navigation",
            ],
            # Dates, phones, figures and labels the same way on every page.
            "builtins": ["mis.templatetags.mis_format"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mis.sqlite3'}"),
}
VAR_DIR.mkdir(exist_ok=True)
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker beside `make run` write while pages read. The test
    # database is a file (not memory) so that a real worker can open it too.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out user or address before the
# password is even checked, and counts each failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed log-ins (pages and admin): after AXES_FAILURE_LIMIT failures for one
# user name, or from one address, further attempts get 429 until the cool-off
# ends or a manager deletes the attempt in admin (Axes > Access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The same client address as the API throttles (NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "mis.api.throttling.client_address"
# Failures are kept; successful log-ins are not (an ever-growing table of
# personal data that nothing reads).
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Outgoing mail, one set for everything that mails (password resets,
# notifications, webhook owners, double opt-in): either EMAIL_URL, such as
# smtp+tls://user:password@mail.example.com:587, or the separate EMAIL_*
# variables. With neither, mails are printed on the console in development
# and go to an SMTP relay on localhost:25 otherwise.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "") or "localhost"
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
else:
    EMAIL_HOST = env.str("EMAIL_HOST", default="")
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.console.EmailBackend"
        if DEBUG and not EMAIL_HOST
        else "django.core.mail.backends.smtp.EmailBackend",
    )
    EMAIL_HOST = EMAIL_HOST or "localhost"
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = _strict_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _strict_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MIS <mis@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address pages and mails give for MIS (links in mails need it).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: strict unless DEBUG; each can be relaxed through the environment
# (for example SECURE_SSL_REDIRECT=false behind a proxy that already redirects).
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = _strict_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _strict_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _strict_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _strict_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if _strict_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Celery. With REDIS_URL set, Redis is broker and result store. Without it the
# broker is a folder on disk, so `make run` needs no server: the worker it
# starts beside the web server picks jobs up from there.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _broker_dir = VAR_DIR / "celery"
    for _folder in ("queue", "control", "results"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The queue tasks go to unless routed elsewhere (workers consume it with -Q).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# Every periodic job, in one place. Times are in TIME_ZONE.
CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes: queue again the imports whose worker died mid-job
    # (no batch committed for IMPORT_STALE_MINUTES); they resume where they were.
    "import-resume-stale": {
        "task": "customers.tasks.import_resume_stale_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: e-mail what waits for someone (approvals, reviews,
    # requests due within 7 days) and what finished (imports, sweeps), each
    # once to each person who wants it.
    "notifications": {
        "task": "mis.tasks.notifications_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 10 minutes: vacuum the segment facts, so that the rows changed
    # since the last time do not slow the live counts (index-only scans).
    "facts-vacuum": {
        "task": "customers.tasks.facts_vacuum_task",
        "schedule": crontab(minute="*/10"),
    },
    # Every day at 00:30: the duplicate sweep over every live record (it
    # refuses to start while another is running).
    "duplicate-sweep": {
        "task": "customers.duplicates.tasks.duplicate_sweep_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # Every day at 00:45: check the records changed since the last sweep
    # against the quality rules, and every live record against the time-based
    # ones, in chunks shared by the workers (before the snapshot reads the scores).
    "quality-sweep": {
        "task": "customers.tasks.quality_sweep_task",
        "schedule": crontab(hour=0, minute=45),
    },
    # Every day at 01:00, before the metrics snapshot: recompute each customer's
    # buying pattern and RFM scores as of that day.
    "customer-metrics-refresh": {
        "task": "customers.tasks.metrics_refresh_task",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every day at 01:30: record each metric of the registry, for trends.
    "metrics-snapshot": {
        "task": "mis.tasks.metrics_snapshot_task",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every day at 02:00, after the metrics snapshot: open the insight strategy
    # reviews that are due, and those called for by a breached success
    # criterion or a quality measure below its threshold.
    "insight-review-sweep": {
        "task": "insight.tasks.review_sweep_task",
        "schedule": crontab(hour=2, minute=0),
    },
    # Sundays at 03:00: propose records of no further use (nothing is deleted).
    "redundancy-sweep": {
        "task": "customers.tasks.redundancy_sweep_task",
        "schedule": crontab(hour=3, minute=0, day_of_week="sun"),
    },
    # Mondays at 03:00: a retention dry run for each active policy that has
    # none awaiting approval; nothing is erased until one is approved.
    "retention-prepare": {
        "task": "governance.tasks.retention_prepare_task",
        "schedule": crontab(hour=3, minute=0, day_of_week="mon"),
    },
    # Every day at 04:00: walk the access log's hash chain; the task fails,
    # naming the first broken link, if a row was changed or removed.
    "access-log-verify": {
        "task": "governance.tasks.access_log_verify_task",
        "schedule": crontab(hour=4, minute=0),
    },
}


# Figures that add money up (revenue, average order value) use the orders in
# this currency; amounts in different currencies are never added.
REPORTING_CURRENCY = env.str("REPORTING_CURRENCY", default="GBP")

REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated call with the first class's
    # challenge, so a missing or wrong token gets 401 (WWW-Authenticate: Token)
    # rather than 403. A browser session still authenticates as before.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.LegacyTokenAuthentication",
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Last: a caller no class recognised is throttled as anonymous.
        "mis.api.authentication.AnonymousThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mis.api.permissions.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "mis.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "mis.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mis.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="5000/hour"),
        # Callers with no credentials: they can only be told to authenticate.
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        # Wrong tokens from one address; then every token from it waits.
        "bad_token": env.str("API_THROTTLE_BAD_TOKEN", default="20/hour"),
        # Password-reset requests, per address and per email address.
        "password_reset": env.str("PASSWORD_RESET_THROTTLE", default="5/hour"),
    },
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    # Proxies in front of the app that append to X-Forwarded-For: throttles and
    # log-in lock-outs then count the client's address, not the proxy's.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MIS API",
    "DESCRIPTION": "Customers, orders and custom attributes of the marketing information system.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mis.api.schema.document_errors",
    ],
    # The schemes a caller can use (AnonymousThrottle authenticates no one).
    "AUTHENTICATION_WHITELIST": [
        "integrations.authentication.LegacyTokenAuthentication",
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Two choice sets are called "channel": where an order came from, and how
    # a person may be contacted.
    "ENUM_NAME_OVERRIDES": {
        "OrderChannelEnum": "customers.models.orders.OrderChannel",
        "ContactChannelEnum": "governance.models.consent.Channel",
        # "kind" and "status" of customers and import jobs.
        "CustomerKindEnum": "customers.models.CustomerKind",
        "ImportKindEnum": "customers.models.ImportKind",
        "ImportStatusEnum": "customers.models.ImportStatus",
        "ConsentStatusEnum": "governance.models.consent.ConsentStatus",
        # "status" and "kind" of the insight strategy's records.
        "StrategyStatusEnum": "insight.models.StrategyStatus",
        "EvaluationStatusEnum": "insight.models.EvaluationStatus",
        "InsightStatusEnum": "insight.models.InsightStatus",
        "EvaluationKindEnum": "insight.models.EvaluationKind",
        # The five-point scale of likelihood, impact, influence, interest, risk.
        "LevelEnum": "insight.models.Level",
        "TriggerKindEnum": "insight.models.TriggerKind",
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Imports: rows per transaction, the largest file and the longest value accepted.
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=2000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=500 * 1024 * 1024)
IMPORT_MAX_FIELD_CHARS = env.int("IMPORT_MAX_FIELD_CHARS", default=100_000)
# An XLSX workbook is a zip: it is refused before it is read when it unpacks to
# more than this, when a part is compressed more than this ratio (a zip bomb),
# or when its shared strings (which the reader holds in memory) are larger.
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=1024**3)
IMPORT_XLSX_MAX_RATIO = env.int("IMPORT_XLSX_MAX_RATIO", default=100)
IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = env.int(
    "IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES", default=64 * 1024 * 1024
)
# How the command line and the API read a date column whose every value reads
# both ways (03/04/2024): "day_first" or "month_first". The upload wizard asks.
IMPORT_DEFAULT_DATE_ORDER = env.str("IMPORT_DEFAULT_DATE_ORDER", default="day_first")
# A running import whose worker has not committed a batch for this long is
# taken to have died: the beat sweep queues it again, to resume.
IMPORT_STALE_MINUTES = env.int("IMPORT_STALE_MINUTES", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Duplicate detection (customers/duplicates). The engine runs Splink on this
# backend: "duckdb" in process; "spark" is the path for more than one machine.
DUPLICATE_BACKEND = env.str("DUPLICATE_BACKEND", default="duckdb")
# With "spark": the master (local[*] is a Spark on this machine; a cluster's
# URL, e.g. spark://host:7077 or yarn), a folder this machine and every
# executor can read and write (features go out and pairs come back as
# Parquet there), and the shuffle partitions.
DUPLICATE_SPARK_MASTER = env.str("DUPLICATE_SPARK_MASTER", default="local[*]")
DUPLICATE_SPARK_WORK_DIR = env.str("DUPLICATE_SPARK_WORK_DIR", default="")
DUPLICATE_SPARK_PARTITIONS = env.int("DUPLICATE_SPARK_PARTITIONS", default=8)
# Default thresholds on match probability for a new match model (each model
# keeps its own, editable in admin): "duplicate" is safe to merge, "possible"
# needs a person.
# Calibrated on the independent benchmark (10k and 1M records) and checked on
# the demo data (10k), docs/duplicates.md: at 0.95 "duplicate" kept a
# precision of at least 0.9998 on each; 0.5 gave a better F1 than 0.8 on each.
DUPLICATE_THRESHOLD = env.float("DUPLICATE_THRESHOLD", default=0.95)
DUPLICATE_POSSIBLE_THRESHOLD = env.float("DUPLICATE_POSSIBLE_THRESHOLD", default=0.5)
# Merge "duplicate" pairs without review after each sweep (off: a person decides).
DUPLICATE_AUTO_MERGE = _strict_bool("DUPLICATE_AUTO_MERGE", False)
# Which record's values a merge keeps by default: "most_recently_verified",
# "most_complete" or "source_priority" (then DUPLICATE_SOURCE_PRIORITY, best first).
DUPLICATE_SURVIVORSHIP = env.str("DUPLICATE_SURVIVORSHIP", default="most_recently_verified")
DUPLICATE_SOURCE_PRIORITY = env.list("DUPLICATE_SOURCE_PRIORITY", default=[])
# Records sampled to train a match model (the estimates need no more).
DUPLICATE_TRAINING_SAMPLE = env.int("DUPLICATE_TRAINING_SAMPLE", default=300_000)
# Random pairs compared to estimate u (how often non-matches agree by chance).
DUPLICATE_U_MAX_PAIRS = env.int("DUPLICATE_U_MAX_PAIRS", default=1_000_000)
# Memory the matching engine (DuckDB) may hold before it spills to disk.
DUPLICATE_DUCKDB_MEMORY = env.str("DUPLICATE_DUCKDB_MEMORY", default="1500MB")
# A running sweep not heard from for this long was interrupted; the next may start.
DUPLICATE_SWEEP_STALE_SECONDS = env.int("DUPLICATE_SWEEP_STALE_SECONDS", default=2 * 60 * 60)

# Size of a customer-list page in the browser.
CUSTOMER_PAGE_SIZE = env.int("CUSTOMER_PAGE_SIZE", default=50)

# Customers read per query by an export (memory stays bounded by this).
CUSTOMER_EXPORT_CHUNK_SIZE = env.int("CUSTOMER_EXPORT_CHUNK_SIZE", default=2000)

# What the customer database asks of governance (consent, suppression): see
# customers/policy.py. Empty: nothing is checked, and lists say so.
CUSTOMER_POLICY_BACKEND = env.str("CUSTOMER_POLICY_BACKEND", default="governance.policy")

# The key of the suppression list's hashes (governance/hashing.py). Required
# when DEBUG is off; in development it is derived from SECRET_KEY. Never change
# it once people are listed: their hashes would stop matching.
SUPPRESSION_KEY = env.str("SUPPRESSION_KEY", default="")
if DEBUG and not SUPPRESSION_KEY:
    SUPPRESSION_KEY = hmac.new(SECRET_KEY.encode(), b"suppression", hashlib.sha256).hexdigest()

# Access monitoring: a read of more records than this at once is flagged for
# review on the usage page; the access log keeps the ids of up to
# ACCESS_LOG_MAX_IDS records per read (beyond that, the count only).
ACCESS_BULK_THRESHOLD = env.int("ACCESS_BULK_THRESHOLD", default=500)
ACCESS_LOG_MAX_IDS = env.int("ACCESS_LOG_MAX_IDS", default=1000)
# Behind a proxy that sets X-Forwarded-For, log the client's address from it.
ACCESS_LOG_TRUST_X_FORWARDED_FOR = _strict_bool("ACCESS_LOG_TRUST_X_FORWARDED_FOR", False)

# Quality sweeps: records per chunk (one transaction, one task), and after how
# long without progress a running sweep counts as stopped and may be resumed.
QUALITY_CHUNK_SIZE = env.int("QUALITY_CHUNK_SIZE", default=10000)
QUALITY_SWEEP_STALE_MINUTES = env.int("QUALITY_SWEEP_STALE_MINUTES", default=30)
# Records with neither an order nor a verification for this long are proposed
# as redundant by the redundant-record sweep.
REDUNDANT_INACTIVE_MONTHS = env.int("REDUNDANT_INACTIVE_MONTHS", default=36)


# The preference centre: how long a link in a mail works, and how long a
# double opt-in confirmation may wait.
PREFERENCE_LINK_MAX_AGE_DAYS = env.int("PREFERENCE_LINK_MAX_AGE_DAYS", default=30)
PREFERENCE_CONFIRM_MAX_AGE_HOURS = env.int("PREFERENCE_CONFIRM_MAX_AGE_HOURS", default=48)

# Webhooks (integrations/). Endpoints must use one of these schemes; hosts
# that resolve to loopback, private or link-local addresses are refused
# unless listed in WEBHOOK_ALLOWED_HOSTS (server-side request forgery).
WEBHOOK_ALLOWED_SCHEMES = env.list("WEBHOOK_ALLOWED_SCHEMES", default=["https"])
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Attempts per delivery; the wait before attempt n+1 is BASE x 2^(n-1) seconds.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
# Deliveries in a row that fail after every retry before a subscription is
# disabled and its owner told.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)

# API keys: the expiry a new key gets unless told, and the longest allowed.
API_KEY_DEFAULT_DAYS = env.int("API_KEY_DEFAULT_DAYS", default=90)
API_KEY_MAX_DAYS = env.int("API_KEY_MAX_DAYS", default=365)
# The DRF tokens of the first release keep working until this date
# (YYYY-MM-DD); `manage.py api_keys_from_tokens` converts them to scoped keys.
API_LEGACY_TOKENS_UNTIL = datetime.date.fromisoformat(
    env.str("API_LEGACY_TOKENS_UNTIL", default="2027-06-30")
)
