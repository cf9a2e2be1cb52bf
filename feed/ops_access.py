"""Who may read /metrics and /readyz: the operators' networks, or a request carrying OPS_TOKEN."""

from __future__ import annotations

import functools
import ipaddress
import secrets
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def allowed(request: HttpRequest) -> bool:
    if bearer_matches(request.headers.get("Authorization", ""), settings.OPS_TOKEN):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.OPS_ALLOWED_NETWORKS)


def bearer_matches(header: str, token: str) -> bool:
    """``header`` is ``Bearer <token>``; False for anything else, however malformed, never an error."""
    scheme, _, presented = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    # compare_digest raises TypeError for text with non-ASCII characters: compare bytes.
    # Headers arrive decoded as latin-1, so encoding back gives the bytes that were sent.
    try:
        sent = presented.strip().encode("latin-1")
    except UnicodeEncodeError:  # set in-process (tests, middleware) beyond latin-1
        sent = presented.strip().encode("utf-8", "surrogatepass")
    return secrets.compare_digest(sent, token.encode("utf-8"))


def refused() -> HttpResponse:
    return HttpResponse("Forbidden: for the operators' networks only\n", status=403, content_type="text/plain")


def ops_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403) requests from outside ``OPS_ALLOWED_NETWORKS`` without ``OPS_TOKEN``."""
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def guarded_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return await view(request, *args, **kwargs) if allowed(request) else refused()

        return guarded_async

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return view(request, *args, **kwargs) if allowed(request) else refused()

    return guarded
