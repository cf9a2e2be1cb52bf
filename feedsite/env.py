"""Typed readers for environment variables.

Each reader either returns a value of the promised type or raises ``ConfigError``
naming the variable and what it expects, so a bad deployment fails with one clear
line instead of a traceback deep inside Django.
"""

from __future__ import annotations

import builtins
import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """An environment variable is missing or malformed."""


Strings = list[str]  # Env.list shadows the builtin inside the class
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _split(name: str, value: str) -> SplitResult:
    """``urlsplit``, with its ValueError (``https://[::1``) as a one-line ConfigError."""
    try:
        return urlsplit(value)
    except ValueError as error:
        raise ConfigError(f"{name}={value!r} is not a valid URL ({error})") from None


class Env:
    """Reads typed settings from a mapping (``os.environ`` by default)."""

    def __init__(self, source: Mapping[str, builtins.str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def raw(self, name: builtins.str) -> builtins.str | None:
        value = self.source.get(name)
        return None if value is None else value.strip()

    def str(self, name: builtins.str, default: builtins.str = "") -> builtins.str:
        value = self.raw(name)
        return default if value is None or value == "" else value

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ConfigError(f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")

    def choice(self, name: builtins.str, choices: tuple[builtins.str, ...], default: builtins.str) -> builtins.str:
        value = self.str(name, default).lower()
        if value not in choices:
            raise ConfigError(f"{name}={value!r} must be one of {', '.join(choices)}")
        return value

    def int(self, name: builtins.str, default: int, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"{name}={value!r} must be at least {minimum}")
        return number

    def float(self, name: builtins.str, default: float, minimum: float | None = None) -> float:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number") from None
        if number != number or (minimum is not None and number < minimum):  # NaN or too small
            raise ConfigError(f"{name}={value!r} must be a number of at least {minimum}")
        return number

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self.raw(name)
        if value is None or value == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name: builtins.str, schemes: tuple[builtins.str, ...], default: builtins.str = "") -> builtins.str:
        value = self.str(name, default)
        if value == "":
            return ""
        parts = _split(name, value)
        if parts.scheme not in schemes or not parts.hostname:
            raise ConfigError(f"{name}={value!r} is not a URL of the form {schemes[0]}://host[:port]/path")
        try:
            parts.port  # noqa: B018 - raises ValueError on a non-numeric port
        except ValueError:
            raise ConfigError(f"{name}={value!r} has an invalid port") from None
        return value

    def networks(self, name: builtins.str, default: Strings) -> builtins.list[IPNetwork]:
        """Comma-separated networks such as ``10.0.0.0/8,::1/128``."""
        networks = []
        for item in self.list(name, default):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ConfigError(f"{name} entry {item!r} is not a network like 10.0.0.0/8") from None
        return networks

    def origins(self, name: builtins.str) -> builtins.list[builtins.str]:
        origins = self.list(name)
        for origin in origins:
            parts = _split(f"{name} entry", origin)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
                raise ConfigError(f"{name} entry {origin!r} is not an origin like https://example.com")
        return origins


def database_config(url: str, base_dir: str, pool_size: int = 8, pool_timeout: float = 10.0) -> dict[str, Any]:
    """Django DATABASES['default'] for ``url``; SQLite in the project when empty.

    PostgreSQL goes through Django's connection pool, ``pool_size`` connections per
    process at most. Persistent connections (``CONN_MAX_AGE > 0``) are kept per thread,
    and under ASGI every request runs its database work in a thread of its own, so each
    thread that dies strands an open connection until garbage collection: a burst of
    requests then exhausts the server's ``max_connections`` for every client. With the
    pool a connection goes back to it when Django closes it at the end of each request,
    and a request that finds all ``pool_size`` busy waits up to ``pool_timeout`` seconds.
    """
    import dj_database_url

    if url == "":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(base_dir, "db.sqlite3")}
    scheme = _split("DATABASE_URL", url).scheme
    if scheme not in ("postgres", "postgresql", "pgsql", "sqlite"):
        raise ConfigError(f"DATABASE_URL={url!r} must start with postgres:// or sqlite://")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    except ValueError as error:
        raise ConfigError(f"DATABASE_URL={url!r} is malformed: {error}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigError(f"DATABASE_URL={url!r} names no database; use postgres://user@host:5432/dbname")
    if scheme != "sqlite":
        options: dict[str, Any] = dict(config.get("OPTIONS") or {})
        options.setdefault("application_name", "betcore-widget")
        # One connection kept warm; idle ones beyond it are closed after five minutes.
        options["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": pool_timeout, "max_idle": 300}
        config["OPTIONS"] = options
    return config


def channel_layer_config(redis_url: str) -> dict:
    """In-memory layer for one process, or the Redis pub/sub layer for scale-out."""
    if redis_url == "":
        return {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    parts = _split("REDIS_URL", redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigError(f"REDIS_URL={redis_url!r} is not a URL like redis://127.0.0.1:6379/0")
    try:
        parts.port  # noqa: B018
    except ValueError:
        raise ConfigError(f"REDIS_URL={redis_url!r} has an invalid port") from None
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [redis_url]},
    }


def cache_config(redis_url: str, directory: str) -> dict[str, Any]:
    """Django's cache, which holds the login throttle's counts: shared by every web process.

    Redis when there is one (all processes, surviving their restarts); otherwise files under
    ``directory``, which the single process of the embedded default keeps across restarts.
    """
    if redis_url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "betcore-cache",
            # A hung Redis fails a login in seconds instead of holding its thread forever.
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    # The file cache culls a third of its entries at MAX_ENTRIES: set so high that junk user
    # names cannot push a real user's count out.
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": directory,
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    }
