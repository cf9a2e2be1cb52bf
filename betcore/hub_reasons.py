"""Why a hub connection failed, in words an operator can act on (``/readyz`` and the logs)."""

from __future__ import annotations

import socket
import ssl

from betcore.signalr_errors import http_status


class ConnectionLost(ConnectionError):
    """An established hub connection ended (closed, silent, or its transport died)."""


def describe_failure(error: BaseException, *, negotiating: bool) -> str:
    """One line saying why a connection attempt failed, for ``/readyz`` and the logs."""
    status = http_status(error)
    step = "negotiate" if negotiating else "WebSocket upgrade"
    if status == 401 or status == 403:
        return f"hub refused the token at the {step} (HTTP {status})"
    if status == 404:
        return f"hub {step} answered HTTP 404: check BETCORE_HUB_URL and BETCORE_HUB_NEGOTIATE"
    if status is not None:
        return f"hub {step} answered HTTP {status}"
    if isinstance(error, ConnectionLost):
        return f"hub connection lost: {str(error)[:160]}"
    if isinstance(error, ssl.SSLError) or "CERTIFICATE" in str(error).upper():
        return f"TLS error talking to the hub: {str(error)[:160]}"
    if isinstance(error, (ConnectionError, socket.gaierror, TimeoutError)):
        return f"hub unreachable: {type(error).__name__}: {str(error)[:120]}"
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and reason:  # the REST client's refused-credentials error
        return reason
    return f"hub connection failed: {type(error).__name__}: {str(error)[:160]}"
