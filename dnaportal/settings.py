"""DNA Portal settings. Every setting comes from an environment variable; README.md lists them all."""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dnaportal import datadir

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """A whole number of at least `minimum` from the environment; anything else stops the portal at
    start with the variable's name (a zero or negative limit would otherwise refuse or break work
    later, far from its cause)."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value!r}.")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# Created by what sets a portal up (`migrate`, `runportal`, a web server), never on import: see datadir.py.
DATA_DIR = datadir.data_dir()
IMPORT_ROOT = datadir.import_root()
# Bulk imports (imports/): an archive may unpack to at most this much (a zip bomb stops there), and a
# batch keeps at most this many of its items in the queue at once (the rest wait in the database).
# A worker takes a batch's jobs in groups (jobs.services.claim_batch_mates): up to IMPORT_GROUP jobs
# whose files add up to at most IMPORT_GROUP_MB (one job, whatever its size), and at most half of what
# is queued, so a picture or a short recording shares the cost of a task, a transaction and an index
# segment with many others while long videos go one or two to a worker. A group costs about 60 ms of
# CPU besides its jobs (measured with 16-job groups of 16 s recordings: 64-job groups were 8% faster).
# The window holds at least two groups a worker; with less, workers split groups and wait for wake-ups
# (bench/import_speed.py).
IMPORT_MAX_UNPACKED_BYTES = env_int("DNAPORTAL_IMPORT_MAX_UNPACKED_MB", 10240) * 1024 * 1024
IMPORT_WINDOW = env_int("DNAPORTAL_IMPORT_WINDOW", 512)
IMPORT_GROUP = env_int("DNAPORTAL_IMPORT_GROUP", 64)
IMPORT_GROUP_BYTES = env_int("DNAPORTAL_IMPORT_GROUP_MB", 64) * 1024 * 1024

DEBUG = env_bool("DEBUG", False)

# Served over HTTPS (directly or behind a TLS proxy): DNAPORTAL_HTTPS=true turns on what
# `manage.py check --deploy` asks for; each can be set on its own (docs/operations.md, "HTTPS").
HTTPS = env_bool("DNAPORTAL_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("DNAPORTAL_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DNAPORTAL_SECURE_COOKIES", HTTPS)
SECURE_HSTS_SECONDS = env_int("DNAPORTAL_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DNAPORTAL_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DNAPORTAL_HSTS_PRELOAD", HTTPS)
if env_bool("DNAPORTAL_BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so; only set this when the proxy always sets the header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


SECRET_KEY = datadir.secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_q",
    "core",
    "libraries",
    "jobs",
    "imports",
    "review",
    "compat",
    "dnaportal",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.UploadSizeLimitMiddleware",
    "core.middleware.OutageMiddleware",
    "core.middleware.NulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dnaportal.urls"
WSGI_APPLICATION = "dnaportal.wsgi.application"

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
                "core.roles.context",
            ],
        },
    },
]

# Database: embedded SQLite by default, PostgreSQL (or any dj-database-url URL) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'dnaportal.sqlite3'}",
        conn_max_age=60,
        # A kept connection is checked before a request uses it: a restarted database costs no error.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DNAPORTAL_TEST_DB") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# Index segments live in the file storage with the media (docs/operations.md); a worker machine whose
# storage is remote keeps its copies here.
INDEX_CACHE_DIR = Path(os.environ.get("DNAPORTAL_INDEX_CACHE", "") or DATA_DIR / "index-cache")
# The memory one index merge (or one segment of a rebuild) may take: it bounds the segment files they
# write (libraries/indexing/merge.py). 16 GB: video segments up to 6.5 GB (1,000 hours), images ~55 GB
# (~2.3 M pictures: their build holds the hot part only).
INDEX_BUILD_MEMORY_MB = env_int("DNAPORTAL_INDEX_BUILD_MEMORY_MB", 16384)
# The longest an index merge may run (its task's timeout), and how long its inputs stay taken after
# its process dies (the merge renews them while it runs): libraries/indexing/merge.py.
INDEX_MERGE_TIMEOUT = env_int("DNAPORTAL_INDEX_MERGE_TIMEOUT", 6 * 3600)
INDEX_MERGE_LEASE = env_int("DNAPORTAL_INDEX_MERGE_LEASE", 300)
STORAGES = {
    # Files written whole or not at all (a full disk leaves no partial file): core/storage.py.
    "default": {"BACKEND": "core.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
# Serve files straight from static/ (no collectstatic needed for `make run`).
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# Signing out ends on the portal's sign-in page (not the admin's "logged out" page).
LOGOUT_REDIRECT_URL = "/accounts/login/?signed_out=1"

# Uploads: large files stream to disk; the portal refuses bodies over the limit before reading them.
MAX_UPLOAD_BYTES = env_int("DNAPORTAL_MAX_UPLOAD_MB", 2048) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Remote inputs (http/https URLs) and callbacks never reach private or loopback addresses, except
# networks listed here (CIDRs, comma-separated), e.g. an internal media server.
ALLOWED_PRIVATE_NETWORKS = env_list("DNAPORTAL_ALLOWED_PRIVATE_NETWORKS", "")
DOWNLOAD_TIMEOUT_SECONDS = env_int("DNAPORTAL_DOWNLOAD_TIMEOUT", 60)
# ... and the whole download may take at most this long (a server trickling bytes holds no worker).
DOWNLOAD_DEADLINE_SECONDS = env_int("DNAPORTAL_DOWNLOAD_DEADLINE", 900)
CALLBACK_SECRET = os.environ.get("DNAPORTAL_CALLBACK_SECRET") or SECRET_KEY
# How clients reach this portal (e.g. https://dna.example.com): links inside callbacks sent by workers.
PUBLIC_URL = os.environ.get("DNAPORTAL_PUBLIC_URL", "")

# An S3-compatible object store for `oss://bucket/object` and Tencent CI object-key inputs (MinIO, Ceph,
# AWS S3, OSS or COS through their S3 APIs). Unset: such inputs are read from the import root instead.
S3_ENDPOINT = os.environ.get("DNAPORTAL_S3_ENDPOINT", "")
S3_ACCESS_KEY = os.environ.get("DNAPORTAL_S3_ACCESS_KEY", "")
S3_SECRET_KEY = os.environ.get("DNAPORTAL_S3_SECRET_KEY", "")
S3_REGION = os.environ.get("DNAPORTAL_S3_REGION", "us-east-1")
S3_BUCKET = os.environ.get("DNAPORTAL_S3_BUCKET", "")

# Cloud-compatible APIs (docs/compat.md): requests per second per client and action, as the
# references' QPS limits (500/s for MPS QueryFpShotJobList), and the MPS JSON list shape: `wrapped`
# (each list under its item's name), the one the official MPS SDK's models parse, or `flat`.
COMPAT_QPS = env_int("DNAPORTAL_COMPAT_QPS", 500)
MPS_LIST_STYLE = os.environ.get("DNAPORTAL_MPS_LIST_STYLE", "wrapped")

# Jobs: a job whose worker stops reporting for this long is considered lost and is retried.
JOB_TIMEOUT_SECONDS = env_int("DNAPORTAL_JOB_TIMEOUT", 1800)
# A moderator holds the match they opened this long, unless they decide or skip it first.
REVIEW_CLAIM_MINUTES = env_int("DNAPORTAL_REVIEW_CLAIM_MINUTES", 10)
JOB_MAX_ATTEMPTS = env_int("DNAPORTAL_JOB_MAX_ATTEMPTS", 3)
# A worker refreshes its job's heartbeat every JOB_HEARTBEAT_SECONDS from a thread of its own (so a
# long download or search keeps it); a job silent for JOB_LEASE_SECONDS lost its worker. The queue
# sweeper runs about every SWEEP_SECONDS: a killed worker's job is queued again within lease + sweep.
JOB_LEASE_SECONDS = env_int("DNAPORTAL_JOB_LEASE", 20)
JOB_HEARTBEAT_SECONDS = env_int("DNAPORTAL_JOB_HEARTBEAT", max(1, JOB_LEASE_SECONDS // 4))
SWEEP_SECONDS = 30
# A job queued again a second time waits this long before a worker may take it, doubling each time
# after (a job that kills its workers does not take them all in a row).
JOB_RETRY_BACKOFF_SECONDS = env_int("DNAPORTAL_JOB_RETRY_BACKOFF", 30, minimum=0)
CALLBACK_MAX_ATTEMPTS = env_int("DNAPORTAL_CALLBACK_ATTEMPTS", 5)
# What one user may ask (jobs/limits.py): submissions per second, and jobs waiting at once (0: none).
JOB_SUBMIT_RATE = os.environ.get("DNAPORTAL_SUBMIT_RATE", "20/s").strip()
if JOB_SUBMIT_RATE and not re.fullmatch(
    r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", JOB_SUBMIT_RATE
):
    # Refused at start: a rate DRF cannot read would fail every submission with a 500.
    raise ImproperlyConfigured(
        f"DNAPORTAL_SUBMIT_RATE={JOB_SUBMIT_RATE!r}: use N/s, N/min, N/h or N/day (empty: no limit)."
    )
MAX_WAITING_JOBS_PER_USER = env_int("DNAPORTAL_MAX_WAITING_JOBS", 1000, minimum=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "core.roles.RolePermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DNA Portal API",
    "DESCRIPTION": "Media fingerprint libraries and copy-detection jobs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is documentation: a newcomer reads it before having a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "MediaKind": "core.kinds.MediaKind",
        "LibraryMediaKind": "core.kinds.library_choices",
        "SaveType": "jobs.models.SaveType",
        "ImportSaveType": "imports.serializers.SAVE_TYPE_CHOICES",
        "ReviewQueueStatus": "review.queue.QUEUE_STATUS_CHOICES",
        "ReviewReason": "jobs.models.Reason",
    },
}

# Background work: django-q2. The ORM broker needs nothing but the database; REDIS_URL switches to Redis.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    # One name per portal: portals sharing a Redis server need different names.
    "name": os.environ.get("DNAPORTAL_QUEUE_NAME", "dnaportal"),
    "workers": env_int("DNAPORTAL_WORKERS", 2),
    "timeout": JOB_TIMEOUT_SECONDS,
    # retry > timeout, so a task is only redelivered once its worker is surely gone.
    "retry": JOB_TIMEOUT_SECONDS + 120,
    "max_attempts": JOB_MAX_ATTEMPTS,
    "ack_failures": True,
    "catch_up": False,
    # How long an idle ORM-broker worker waits before looking again: the delay of the first job after
    # a quiet spell (an empty poll is one read).
    "poll": 0.2,
    "save_limit": 1000,
    "label": "Background tasks",
    # Pipelines are django-q2 queues: `Q_CLUSTER_NAME=<pipeline> manage.py qcluster` serves one.
    "ALT_CLUSTERS": {},
    "sync": env_bool("DNAPORTAL_SYNC_TASKS", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # One cache for every web server: API rate limits and previews are shared, not per process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": Q_CLUSTER["name"],
        }
    }
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_q": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        # FAISS says at INFO which of its builds it loaded, in every process and command.
        "faiss.loader": {"level": "WARNING"},
    },
}
