"""What a failed signalrcore connection attempt says: its HTTP status, and where it failed.

signalrcore and urllib report a refused negotiate or WebSocket upgrade through
different exception types; reading them is kept here, apart from the connection in
``betcore.signalr_client``, because ``betcore.hub_reasons`` needs only this to word a
failure for an operator.
"""

from __future__ import annotations

import re
import urllib.error

from signalrcore.hub.errors import HubError, UnAuthorizedHubError
from signalrcore.transport.sockets.errors import SocketHandshakeError

_STATUS_LINE = re.compile(r"HTTP/1\.[01] (\d{3})")


def http_status(error: BaseException) -> int | None:
    """The HTTP status behind a failed negotiate or WebSocket upgrade, if there was one."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code
    if isinstance(error, UnAuthorizedHubError):
        return 401
    if isinstance(error, HubError) and error.args and isinstance(error.args[0], int):
        return error.args[0]
    if isinstance(error, SocketHandshakeError):
        match = _STATUS_LINE.search(str(error))
        return int(match.group(1)) if match else None
    return None


def failed_in_negotiate(error: BaseException) -> bool:
    """signalrcore raises urllib's HTTPError or HubError from negotiate, SocketHandshakeError from the upgrade."""
    return isinstance(error, (urllib.error.HTTPError, HubError))
