"""Admin login throttling: after a few wrong passwords for one user from one address, wait.

Failures are counted in Django's cache per (client address, user name) — Redis when
``REDIS_URL`` is set, so one count across every web process and their restarts; once
``LOGIN_FAILURE_LIMIT`` is reached, every attempt for that pair is refused until
``LOGIN_LOCK_SECONDS`` have passed since its latest failure (the right password too:
a refused attempt is a failure), and the login page says nothing more
than for a wrong password. Other addresses and other users are not affected.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCK_SECONDS = 15 * 60


def _key(request: HttpRequest | None, username: str) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    digest = hashlib.sha256(f"{address}|{username.lower()}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def locked(request: HttpRequest | None, username: str) -> bool:
    return int(cache.get(_key(request, username), 0)) >= LOGIN_FAILURE_LIMIT


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is not None and locked(request, username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def count_failure(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    key = _key(request, str(credentials.get("username", "")))
    cache.add(key, 0, LOGIN_LOCK_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOGIN_LOCK_SECONDS)
    # The window runs from the latest failure on every backend (the file cache's incr
    # rewrites the entry with its default timeout, Redis keeps the first one).
    cache.touch(key, LOGIN_LOCK_SECONDS)


@receiver(user_logged_in)
def forget_failures(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    cache.delete(_key(request, user.get_username()))
