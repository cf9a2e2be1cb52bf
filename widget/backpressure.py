"""How many bytes a widget socket has queued but not yet handed to the kernel.

Daphne gives ASGI apps no flow control: a phone that stops reading makes the server
buffer without limit. Daphne's send callable is ``partial(handle_reply, protocol)``,
so the Twisted transport (and its write buffer) can be found from it. When the
server is not daphne (tests, other servers) this answers None and nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def pending_bytes(send: Callable[..., Any]) -> int | None:
    arguments = getattr(send, "args", None)
    protocol = arguments[0] if arguments else None
    transport = getattr(protocol, "transport", None)
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except (AttributeError, TypeError):
        return None
