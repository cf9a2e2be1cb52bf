"""One client address for every request and socket, taken from trusted proxies only.

daphne's ``--proxy-headers`` believes ``X-Forwarded-For`` from whoever connects, so a
client talking to daphne directly could pick its own address: open the operator
endpoints, get past the per-address socket cap, dodge the login throttle. This
middleware replaces ``scope["client"]`` only when the connecting peer is in
``TRUSTED_PROXIES`` (nginx on the same machine, by default), and then with the
right-most address of the header that is not itself a trusted proxy: the address the
last trusted hop saw. Everything else (Django's ``REMOTE_ADDR``, the widget socket's
cap and viewer counts, the ops allow-list, the login throttle) reads ``scope["client"]``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from feedsite.env import IPNetwork

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]

FORWARDED_FOR = b"x-forwarded-for"
MAX_HEADER_ADDRESSES = 20  # a longer chain is not a real proxy path; only its last hops count


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Any, proxies: Iterable[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def forwarded_client(peer: str, forwarded_for: list[str], proxies: list[IPNetwork]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that says who it forwards for."""
    if not _trusted(_address(peer), proxies):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")][-MAX_HEADER_ADDRESSES:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a malformed hop: nothing before it can be believed
        if not _trusted(address, proxies):
            return str(address)
    return str(_address(hops[0])) if hops else peer  # only proxies: the first one asked


class ClientAddressMiddleware:
    """ASGI middleware (outermost): ``scope["client"]`` as the trusted proxies tell it."""

    def __init__(self, app: ASGIApp, proxies: list[IPNetwork]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") in ("http", "websocket") and scope.get("client"):
            peer = str(scope["client"][0])
            headers = [value.decode("latin-1") for name, value in scope.get("headers", []) if name == FORWARDED_FOR]
            client = forwarded_client(peer, headers, self.proxies) if headers else peer
            if client != peer:  # the port is the proxy's, not the client's
                scope = dict(scope, client=[client, 0])
        await self.app(scope, receive, send)
