"""ALLOWED_HOSTS matching for places Django's request object does not reach (the socket's scope).

Django applies ``ALLOWED_HOSTS`` inside ``HttpRequest.get_host()``; a WebSocket scope
has no request, and Django's helpers for it are not public API. The rules here are the
documented ones: an exact name, ``.example.com`` for the domain and its subdomains, ``*``
for any; names compare without case and without a trailing dot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings

# A Host header: a name or IPv4 address, or a bracketed IPv6 literal, then an optional port.
_HOST = re.compile(r"^(?P<domain>[a-z0-9.-]+|\[[a-f0-9:.]+\])(?::(?P<port>\d{1,5}))?$")


def split_host_port(host: str) -> tuple[str, str]:
    """``(domain, port)`` of a Host header, lower-cased; ``("", "")`` when it is not a valid one."""
    found = _HOST.match(host.lower())
    if not found:
        return "", ""
    return found["domain"].removesuffix("."), found["port"] or ""


def host_allowed(domain: str, patterns: Iterable[str] | None = None) -> bool:
    """Whether ``domain`` (no port) matches ALLOWED_HOSTS, or ``patterns`` when given."""
    domain = domain.lower().removesuffix(".")
    if not domain:
        return False
    for pattern in settings.ALLOWED_HOSTS if patterns is None else patterns:
        pattern = pattern.lower()
        if pattern == "*" or pattern == domain:
            return True
        if pattern.startswith(".") and (domain.endswith(pattern) or domain == pattern[1:]):
            return True
    return False
