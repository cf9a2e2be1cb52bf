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


UNKNOWN = "unknown"  # not an address: the ops allow-list refuses it, and such clients share one cap


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d: the same client either way.
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def _trusted(address: Any, proxies: Iterable[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def forwarded_client(peer: str, forwarded_for: list[str], proxies: list[IPNetwork]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that says who it forwards for.

    With no header the peer is the client (a request made on the proxy's machine). A
    header of trusted hops only means a client on the proxy's own network (nginx forwarding
    a local request), so its first hop. A hop that is not an address (malformed, a unix
    socket, ``unknown``) makes the answer ``UNKNOWN``, never the proxy's own address,
    which is on the operators' allow-list.
    """
    peer_address = _address(peer)
    if not _trusted(peer_address, proxies):
        return str(peer_address) if peer_address is not None else peer
    hops = [hop for header in forwarded_for for hop in header.split(",")][-MAX_HEADER_ADDRESSES:]
    if not hops:
        return str(peer_address)
    addresses = []
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return UNKNOWN  # nothing at or before a malformed hop can be believed
        if not _trusted(address, proxies):
            return str(address)
        addresses.append(address)
    return str(addresses[-1])


class ClientAddressMiddleware:
    """ASGI middleware (outermost): ``scope["client"]`` as the trusted proxies tell it.

    It returns the inner application's awaitable instead of awaiting it in a coroutine of
    its own: an open socket's application stays suspended for the socket's whole life,
    and a frame per wrapping layer is memory per viewer. ``_asgi_single_callable`` tells
    servers (asgiref's ``guarantee_single_callable``) that this is an ASGI 3 application
    although ``__call__`` is not a coroutine function.
    """

    _asgi_single_callable = True

    def __init__(self, app: ASGIApp, proxies: list[IPNetwork]) -> None:
        self.app = app
        self.proxies = proxies

    def __call__(self, scope: Scope, receive: Any, send: Any) -> Awaitable[None]:
        if scope.get("type") in ("http", "websocket") and scope.get("client"):
            peer = str(scope["client"][0])
            headers = [value.decode("latin-1") for name, value in scope.get("headers", []) if name == FORWARDED_FOR]
            client = forwarded_client(peer, headers, self.proxies)
            if client != peer:  # the port is the proxy's, not the client's
                scope = dict(scope, client=[client, 0])
        return self.app(scope, receive, send)
