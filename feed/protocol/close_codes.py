"""Why the server closed a widget socket: application codes in 4000-4999.

The browser reads them too (``static/widget/widget.js``, generated block): after
``FINAL`` codes it stops retrying, after the others it backs off and reconnects.
Autobahn refuses 1009 or 1013 from a server, hence 44xx/45xx, named after HTTP.
"""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    """Autobahn refuses a close code whose type is not exactly ``int``: ``WidgetConsumer.close`` hands it on as one."""

    UNKNOWN_WIDGET = 4404  # no such widget, or switched off, when the socket opened
    TOO_MANY = 4408  # this address already holds as many widget sockets as allowed
    OFFLINE = 4410  # the widget was switched off (or its page's origin removed) in the admin
    TOO_BIG = 4413  # a browser frame over MAX_CLIENT_FRAME bytes
    TOO_CHATTY = 4429  # more messages (or pings) than the token bucket allows
    UNAVAILABLE = 4503  # the database or the state store could not be reached: try again later


FINAL = frozenset({CloseCode.UNKNOWN_WIDGET, CloseCode.OFFLINE})
"""Codes after which reconnecting cannot help: the browser shows "offline" and stays closed."""
