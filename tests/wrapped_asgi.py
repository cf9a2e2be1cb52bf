"""The project's ASGI application behind a pass-through middleware, as error tracking or logging adds one.

It copies the scope and wraps ``send`` and ``receive`` in callables of its own, so nothing
downstream sees daphne's own callables: the widget socket's protections must hold anyway.
"""

from __future__ import annotations

from typing import Any

from feedsite.asgi import application as project_application


class PassThrough:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.messages_sent = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def wrapped_receive() -> Any:
            return await receive()

        async def wrapped_send(message: dict[str, Any]) -> None:
            self.messages_sent += 1
            await send(message)

        await self.app(dict(scope), wrapped_receive, wrapped_send)


application = PassThrough(project_application)
