"""Settings for the BETCORE live-feed widget, every knob read from the environment.

Read top to bottom. The defaults run on a fresh clone with nothing installed:
SQLite in the project folder, the in-memory channel layer and the local BETCORE
sandbox. ``DATABASE_URL`` and ``REDIS_URL`` switch to the scale-out setup.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from feedsite.env import ConfigError, Env, cache_config, channel_layer_config, database_config
from feedsite.static_headers import short_cache_for_stable_urls

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # ignored by git: local secret key, sandbox state, logs

DEBUG = env.bool("DEBUG", False)


def _local_secret_key() -> str:
    """A per-checkout key for local runs, generated once and kept out of git."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY is required when DEBUG is off; set it to a long random string")
    SECRET_KEY = _local_secret_key()
elif len(SECRET_KEY) < 32:
    raise ConfigError("SECRET_KEY must be at least 32 characters long")
elif len(set(SECRET_KEY)) < 10:
    raise ConfigError("SECRET_KEY is too uniform (fewer than 10 different characters); use a long random string")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

# Peers whose X-Forwarded-For is believed (nginx on this machine by default); any other
# peer's header is ignored and its own address is the client's (feedsite/client_address.py).
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES", ["127.0.0.1/32", "::1/128"])
# Open widget sockets one client address may hold in one web process (nginx limits across processes).
WIDGET_SOCKETS_PER_CLIENT = env.int("WIDGET_SOCKETS_PER_CLIENT", 20, minimum=1)
# daphne: seconds an HTTP request may take, and WebSocket keep-alive pings (interval, then timeout).
DAPHNE_HTTP_TIMEOUT = env.int("DAPHNE_HTTP_TIMEOUT", 30, minimum=1)
DAPHNE_PING_INTERVAL = env.int("DAPHNE_PING_INTERVAL", 20, minimum=1)
DAPHNE_PING_TIMEOUT = env.int("DAPHNE_PING_TIMEOUT", 30, minimum=1)

# The widget directory (/) and the sample partner page (/demo/partner/) are for demos only.
DEMO_PAGES = env.bool("DEMO_PAGES", DEBUG)
# /metrics and /readyz answer these client networks, or a request with OPS_TOKEN as its bearer token.
OPS_ALLOWED_NETWORKS = env.networks("OPS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
OPS_TOKEN = env.str("OPS_TOKEN")
if OPS_TOKEN and len(OPS_TOKEN) < 24:
    raise ConfigError("OPS_TOKEN must be at least 24 characters long")
# The debug error page masks credentials wherever they appear (frames, settings, request data).
DEFAULT_EXCEPTION_REPORTER_FILTER = "feedsite.errors.MaskingExceptionReporterFilter"
# ...and in what no filter reaches: the request URL, its query and the exception text.
DEFAULT_EXCEPTION_REPORTER = "feedsite.errors.MaskingExceptionReporter"
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",  # first, so that `runserver` is the ASGI one
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "feed",
    "widget",
    "streams",
    "play",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "feedsite.page_policy.PagePolicyMiddleware",
]
AUTHENTICATION_BACKENDS = ["feedsite.login_throttle.ThrottledModelBackend"]

ROOT_URLCONF = "feedsite.urls"
ASGI_APPLICATION = "feedsite.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# PostgreSQL connections per process (Django's pool), and how long a request waits for one.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", 8, minimum=1)
DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", 10.0, minimum=0.1)
DATABASES = {
    "default": database_config(env.str("DATABASE_URL"), str(BASE_DIR), DATABASE_POOL_SIZE, DATABASE_POOL_TIMEOUT)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CHANNEL_LAYERS = {"default": channel_layer_config(REDIS_URL)}
# The login throttle's counts, one per (user, address) across every web process and restart.
CACHES = {"default": cache_config(REDIS_URL, str(VAR_DIR / "cache"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages the widget's own words are translated into; feed labels come from BETCORE.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("pt", "Português"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("kk", "Қазақ тілі"),
    ("uz", "Oʻzbekcha"),
    ("az", "Azərbaycanca"),
    ("ka", "ქართული"),
    ("hy", "Հայերեն"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("hi", "हिन्दी"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes (and WhiteNoise serves from) in production.
STATIC_ROOT = Path(env.str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, pre-compressed files (imports between modules too) in production; plain files while developing.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "feedsite.static_storage.HashedModulesStorage"
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0
WHITENOISE_ADD_HEADERS_FUNCTION = short_cache_for_stable_urls

# Framing: refused everywhere; the widget view sets its own per-widget frame-ancestors.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG and env.bool("HTTPS", False))
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
SESSION_COOKIE_SECURE = env.bool("HTTPS", False)
CSRF_COOKIE_SECURE = env.bool("HTTPS", False)

# BETCORE. With no credentials the local sandbox is started and used instead.
BETCORE_API_URL = env.url("BETCORE_API_URL", ("https", "http"))
BETCORE_HUB_URL = env.url("BETCORE_HUB_URL", ("https", "http", "wss", "ws"))
BETCORE_PARTNER_CLIENT_ID = env.int("BETCORE_PARTNER_CLIENT_ID", 0, minimum=0)
BETCORE_SECRET = env.str("BETCORE_SECRET")
_betcore_values = [BETCORE_API_URL, BETCORE_HUB_URL, BETCORE_PARTNER_CLIENT_ID, BETCORE_SECRET]
if any(_betcore_values) and not all(_betcore_values):
    raise ConfigError(
        "BETCORE_API_URL, BETCORE_HUB_URL, BETCORE_PARTNER_CLIENT_ID and BETCORE_SECRET "
        "must be set together (leave all four unset to use the local sandbox)"
    )
BETCORE_USE_SANDBOX = not any(_betcore_values)
# How fast the local sandbox's games run (2 = rounds twice as fast; pushes stay every 500 ms).
SANDBOX_SPEED = env.float("SANDBOX_SPEED", 1.0, minimum=0.1)
# Whether the local sandbox names a live video stream for each game type (off: data only).
SANDBOX_STREAMS = env.bool("SANDBOX_STREAMS", True)
# BETCORE's documentation leaves these open; the defaults try every plausible way (see docs/betcore.md).
BETCORE_PUSH_TARGET = env.str("BETCORE_PUSH_TARGET", "auto")
BETCORE_HUB_NEGOTIATE = env.choice("BETCORE_HUB_NEGOTIATE", ("auto", "always", "never"), "auto")
BETCORE_HUB_TOKEN_IN = env.choice("BETCORE_HUB_TOKEN_IN", ("both", "query", "header"), "both")

# Feed worker tuning.
FEED_SILENCE_SECONDS = env.float("FEED_SILENCE_SECONDS", 10.0, minimum=0.5)
FEED_READY_MAX_AGE_SECONDS = env.float("FEED_READY_MAX_AGE_SECONDS", 5.0, minimum=0.5)
FEED_TRANSLATIONS_REFRESH_SECONDS = env.float("FEED_TRANSLATIONS_REFRESH_SECONDS", 600.0, minimum=1.0)
FEED_JACKPOTS_POLL_SECONDS = env.float("FEED_JACKPOTS_POLL_SECONDS", 5.0, minimum=0.2)
FEED_RECONNECT_MAX_SECONDS = env.float("FEED_RECONNECT_MAX_SECONDS", 30.0, minimum=0.1)
FEED_LOCK_TTL_SECONDS = env.float("FEED_LOCK_TTL_SECONDS", 5.0, minimum=1.0)

LOG_FORMAT = env.str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ConfigError(f"LOG_FORMAT={LOG_FORMAT!r} must be 'text' or 'json'")
LOG_LEVEL = env.str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ConfigError(f"LOG_LEVEL={LOG_LEVEL!r} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "feedsite.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # signalrcore logs every frame at DEBUG, headers included (the bearer token).
        "SignalRCoreClient": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
    },
}
