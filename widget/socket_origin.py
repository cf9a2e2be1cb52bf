"""Who may open a widget socket: the widget's own page (same scheme, host and port) or its partners.

Channels' ``AllowedHostsOriginValidator`` compares host names only, so any scheme or
port on an allowed host would pass. Here the ``Origin`` must be exactly the socket's own
origin (the widget page in the iframe opens it), or one of the widget's partner origins.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from widget.allowed_hosts import host_allowed, split_host_port
from widget.validators import DEFAULT_PORTS


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def own_origin_allowed(scope: dict[str, Any], origin: str) -> bool:
    """``origin`` is this server's own: an allowed host, the same host and port, a matching scheme."""
    host_header = _header(scope, b"host")
    domain, port = split_host_port(host_header)
    if not host_allowed(domain):
        return False
    try:
        parts = urlsplit(origin)  # raises for a malformed IPv6 literal: https://[a:b], https://[::1
        origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    secure = scope.get("scheme") == "wss" or _header(scope, b"x-forwarded-proto").lower() == "https"
    schemes = ("https",) if secure else ("http", "https")
    if parts.scheme not in schemes or (parts.hostname or "") != domain.strip("[]"):
        return False
    host_port = int(port) if port else DEFAULT_PORTS[parts.scheme]
    return origin_port == host_port


def origin_allowed(scope: dict[str, Any], partner_origins: list[str]) -> bool:
    origin = _header(scope, b"origin")
    if not origin:
        return False
    return own_origin_allowed(scope, origin) or origin in partner_origins


# The headers ``origin_allowed`` reads, which an open socket needs again when its widget's
# partner origins change (WidgetConsumer.reconfigure).
ORIGIN_HEADERS = (b"origin", b"host", b"x-forwarded-proto")


def keep_only_origin_headers(scope: dict[str, Any]) -> None:
    """Drop, in place, every handshake header but the ones the origin check reads again.

    The list is the one daphne parsed the handshake into, shared by every copy of the
    scope; a browser's headers (user agent, cookies, languages) are most of a kilobyte
    that an open socket would otherwise keep for its whole life.
    """
    headers = scope.get("headers")
    if isinstance(headers, list):
        headers[:] = [(key, value) for key, value in headers if key.lower() in ORIGIN_HEADERS]
