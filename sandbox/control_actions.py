"""The sandbox's fault and behaviour controls, run on its event loop, and their HTTP routes.

Each control (cut connections, pause or drop pushes, refuse connections, send broken
frames, switch variants, …) has one implementation here, reached both from code
through ``Sandbox``'s thread-safe methods and over HTTP at ``/_sandbox/control``. It is
apart from ``sandbox.server`` (which builds the app and runs it in a thread) because
these act on the running state only, not on how the server is started.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox import hub
from sandbox.state import SandboxState

MALFORMED_FRAMES = {
    "json": '{"type":1,"target":"SubOnWholeGamesInfo","arguments":[{"sId":',  # cut off mid-record
    "schema": '{"type":1,"target":"SubOnWholeGamesInfo","arguments":[{"sId":"seven","wgi":"none"}]}',
    "type": '{"type":"invocation","target":42}',
    "binary": "\x00\xff garbage \ufffd",
}


class ControlActions:
    """The controls of one running sandbox; every method runs on the sandbox's loop."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def drop(self, send_close: bool = False) -> int:
        connections = list(self.state.connections)
        for connection in connections:
            if send_close:
                await connection.close_with("Server restarting", allow_reconnect=True)
            else:
                connection.abort()
        return len(connections)

    async def pause(self, seconds: float | None = None) -> None:
        if seconds is None:
            self.state.controls.paused = True
        else:
            self.state.controls.paused_until = self.state.clock() + float(seconds)

    async def resume(self) -> None:
        self.state.controls.paused, self.state.controls.paused_until = False, 0.0

    async def drop_pushes(self, count: int = 1, game_type: int | None = None) -> None:
        self.state.controls.drop_next = int(count)
        self.state.controls.drop_game_type = None if game_type is None else int(game_type)

    async def refuse(self, seconds: float = 20.0) -> None:
        self.state.controls.refuse_until = self.state.clock() + float(seconds)

    async def malformed(self, kind: str = "json") -> int:
        return await self.send_everyone(MALFORMED_FRAMES[kind] + hub.RS)

    async def oversized(self, size: int = 5 * 1024 * 1024) -> int:
        target = self.state.controls.push_target
        return await self.send_everyone(
            hub.record({"type": 1, "target": target, "arguments": [{"sId": 0, "pad": "x" * int(size)}]})
        )

    async def hostile(self, on: bool = True) -> None:
        self.state.simulation.hostile = bool(on)

    async def payload_as_string(self, on: bool = True) -> None:
        self.state.controls.payload_as_string = bool(on)

    async def variant(self, name: str, value: object) -> None:
        self.state.variants.set(str(name), value)

    async def push_target(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("push target must be a non-empty string")
        self.state.controls.push_target = name

    async def token_lifetime(self, seconds: float) -> None:
        self.state.issuer.lifetime = float(seconds)

    async def maintenance(self, game_type: int, seconds: float) -> None:
        self.state.simulation.start_maintenance(int(game_type), self.state.clock(), float(seconds))

    async def send_everyone(self, text: str) -> int:
        connections = list(self.state.connections)
        await asyncio.gather(*(c.send_text(text) for c in connections), return_exceptions=True)
        return len(connections)

    def routes(self) -> list[web.RouteDef]:
        """``GET /_sandbox/status`` and ``POST /_sandbox/control`` (one action per request)."""
        actions: dict[str, Callable[..., Awaitable[Any]]] = {
            "drop": self.drop,
            "drop_pushes": self.drop_pushes,
            "pause": self.pause,
            "resume": self.resume,
            "refuse": self.refuse,
            "malformed": self.malformed,
            "oversized": self.oversized,
            "hostile": self.hostile,
            "payload_as_string": self.payload_as_string,
            "token_lifetime": self.token_lifetime,
            "variant": self.variant,
            "push_target": self.push_target,
            "maintenance": self.maintenance,
        }

        async def status(request: web.Request) -> web.Response:
            return web.json_response(self.state.status())

        async def control(request: web.Request) -> web.Response:
            """POST {"action": "pause", "seconds": 3} and so on; answers {"result": ...}."""
            try:
                body = await request.json()
                action = actions[body.pop("action")]
                result = await action(**body)
            except (json.JSONDecodeError, KeyError, AttributeError, TypeError, ValueError) as error:
                message = f"bad control request ({error!r}); actions: {', '.join(sorted(actions))}"
                return web.json_response({"error": message}, status=400)
            return web.json_response({"ok": True, "result": result})

        return [web.get("/_sandbox/status", status), web.post("/_sandbox/control", control)]
