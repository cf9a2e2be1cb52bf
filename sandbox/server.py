"""Assemble the sandbox (REST + hub + controls) and run it in a thread or on its own.

``Sandbox(...).start()`` serves on a free loopback port in a background thread and
returns at once; its control methods are safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from aiohttp import web

from sandbox import hub, rest, video
from sandbox.replay import Recording, ReplayFeed
from sandbox.simulation import Simulation
from sandbox.state import Controls, SandboxState
from sandbox.tokens import TokenIssuer
from sandbox.variants import Variants

DEFAULT_API_BASE = "/partnersmediator-service/api/v2"
DEFAULT_HUB_PATH = "/signalrhub-livefeed-service/hubs"
DEFAULT_PARTNER_ID = 1
DEFAULT_SECRET = "sandbox-secret"
MALFORMED_FRAMES = {
    "json": '{"type":1,"target":"SubOnWholeGamesInfo","arguments":[{"sId":',  # cut off mid-record
    "schema": '{"type":1,"target":"SubOnWholeGamesInfo","arguments":[{"sId":"seven","wgi":"none"}]}',
    "type": '{"type":"invocation","target":42}',
    "binary": "\x00\xff garbage \ufffd",
}


class Sandbox:
    def __init__(
        self,
        *,
        seed: int | None = None,
        speed: float = 1.0,
        token_lifetime: float = 3600.0,
        partners: dict[int, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        api_base: str = DEFAULT_API_BASE,
        hub_path: str = DEFAULT_HUB_PATH,
        push_interval: float = 0.5,
        ping_interval: float = 15.0,
        client_timeout: float = 30.0,
        hostile: bool = False,
        payload_as_string: bool = False,
        push_target: str = "SubOnWholeGamesInfo",
        variants: Variants | None = None,
        replay: Recording | None = None,
        clock: Callable[[], float] = time.time,
        streams: bool = True,
    ) -> None:
        self.host, self.port = host, port
        self.api_base, self.hub_path = api_base.rstrip("/"), hub_path.rstrip("/")
        variants = variants or Variants()
        self.state = SandboxState(
            simulation=Simulation(seed=seed, speed=speed, hostile=hostile, start=clock(), variants=variants),
            variants=variants,
            clock=clock,
            streams=streams,
            issuer=TokenIssuer(
                partners=partners or {DEFAULT_PARTNER_ID: DEFAULT_SECRET}, lifetime=token_lifetime, clock=clock
            ),
            controls=Controls(
                push_interval=push_interval,
                ping_interval=ping_interval,
                client_timeout=client_timeout,
                payload_as_string=payload_as_string,
                push_target=push_target,
            ),
        )
        if replay is not None:
            self.state.replay = ReplayFeed(replay, started=clock())
            self.state.controls.push_interval = 0.05  # recorded cadence, not the simulation's ticks
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None

    # -- addresses -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + self.api_base

    @property
    def hub_url(self) -> str:
        return self.base_url + self.hub_path

    # -- lifecycle -------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.add_routes(rest.routes(self.state, self.api_base))
        app.add_routes(hub.routes(self.state, self.hub_path))
        app.add_routes(self._control_routes())
        app.add_routes(video.routes(self.state.clock))
        return app

    async def serve(self) -> None:
        """Bind, start pushing, and return; the server runs on the current loop."""
        self.loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._pusher = asyncio.create_task(self.state.push_forever())

    async def shutdown(self) -> None:
        if self._pusher:
            self._pusher.cancel()
        for connection in list(self.state.connections):
            connection.abort()
        if self._runner:
            await self._runner.cleanup()

    def start(self) -> Sandbox:
        """Serve from a daemon thread; returns once the port is bound."""
        ready: Future[None] = Future()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.serve())
            except BaseException as error:  # report bind errors to the caller
                ready.set_exception(error)
                return
            ready.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self.shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="betcore-sandbox", daemon=True)
        self._thread.start()
        ready.result(timeout=10)
        return self

    def stop(self) -> None:
        if self.loop and self._thread and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, function: Any, *args: Any) -> Any:
        """Run ``function`` on the sandbox loop (awaiting it if it is a coroutine)."""
        assert self.loop is not None, "sandbox is not running"

        async def invoke() -> Any:
            result = function(*args)
            return await result if asyncio.iscoroutine(result) else result

        if threading.current_thread() is self._thread:
            raise RuntimeError("call the async control methods from inside the sandbox loop")
        return asyncio.run_coroutine_threadsafe(invoke(), self.loop).result(timeout=10)

    # -- controls: one implementation each, reached from code (any thread) or over HTTP --

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self._call(self.state.status)
        return status

    def drop_connections(self, send_close: bool = False) -> int:
        """Cut every hub connection; with ``send_close`` a Close(allowReconnect) goes first."""
        return int(self._call(self._drop, send_close))

    def pause_pushes(self, seconds: float | None = None) -> None:
        """Stop data pushes (pings go on) for ``seconds``, or until ``resume_pushes``."""
        self._call(self._pause, seconds)

    def resume_pushes(self) -> None:
        self._call(self._resume)

    def drop_pushes(self, count: int, game_type: int | None = None) -> None:
        """Lose the next ``count`` pushes (of ``game_type``, or any) after taking their sIds."""
        self._call(self._drop_pushes, count, game_type)

    def refuse_connections(self, seconds: float) -> None:
        """Answer 503 to negotiate and upgrade requests for ``seconds``."""
        self._call(self._refuse, seconds)

    def send_malformed_frame(self, kind: str = "json") -> int:
        """Send a broken record to every connection (kinds: json, schema, type, binary)."""
        return int(self._call(self._malformed, kind))

    def send_oversized_frame(self, size: int = 5 * 1024 * 1024) -> int:
        """Send one push whose payload is ``size`` bytes of padding."""
        return int(self._call(self._oversized, size))

    def set_hostile(self, on: bool = True) -> None:
        """Put HTML/script strings into translations and results."""
        self._call(self._hostile, on)

    def set_payload_as_string(self, on: bool = True) -> None:
        """Send each push payload as a JSON string instead of an object."""
        self._call(self._payload_as_string, on)

    def set_variant(self, name: str, value: object) -> None:
        """Switch one of the undocumented choices (see ``sandbox.variants``)."""
        self._call(self._variant, name, value)

    def set_push_target(self, name: str) -> None:
        """The client-method name pushes are sent under."""
        self._call(self._push_target, name)

    def set_token_lifetime(self, seconds: float) -> None:
        """Lifetime of tokens issued from now on."""
        self._call(self._token_lifetime, seconds)

    def start_maintenance(self, game_type: int, seconds: float) -> None:
        self._call(self._maintenance, game_type, seconds)

    async def _drop(self, send_close: bool = False) -> int:
        connections = list(self.state.connections)
        for connection in connections:
            if send_close:
                await connection.close_with("Server restarting", allow_reconnect=True)
            else:
                connection.abort()
        return len(connections)

    async def _pause(self, seconds: float | None = None) -> None:
        if seconds is None:
            self.state.controls.paused = True
        else:
            self.state.controls.paused_until = self.state.clock() + float(seconds)

    async def _resume(self) -> None:
        self.state.controls.paused, self.state.controls.paused_until = False, 0.0

    async def _drop_pushes(self, count: int = 1, game_type: int | None = None) -> None:
        self.state.controls.drop_next = int(count)
        self.state.controls.drop_game_type = None if game_type is None else int(game_type)

    async def _refuse(self, seconds: float = 20.0) -> None:
        self.state.controls.refuse_until = self.state.clock() + float(seconds)

    async def _malformed(self, kind: str = "json") -> int:
        return await self._send_everyone(MALFORMED_FRAMES[kind] + hub.RS)

    async def _oversized(self, size: int = 5 * 1024 * 1024) -> int:
        target = self.state.controls.push_target
        return await self._send_everyone(
            hub.record({"type": 1, "target": target, "arguments": [{"sId": 0, "pad": "x" * int(size)}]})
        )

    async def _hostile(self, on: bool = True) -> None:
        self.state.simulation.hostile = bool(on)

    async def _payload_as_string(self, on: bool = True) -> None:
        self.state.controls.payload_as_string = bool(on)

    async def _variant(self, name: str, value: object) -> None:
        self.state.variants.set(str(name), value)

    async def _push_target(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("push target must be a non-empty string")
        self.state.controls.push_target = name

    async def _token_lifetime(self, seconds: float) -> None:
        self.state.issuer.lifetime = float(seconds)

    async def _maintenance(self, game_type: int, seconds: float) -> None:
        self.state.simulation.start_maintenance(int(game_type), self.state.clock(), float(seconds))

    async def _send_everyone(self, text: str) -> int:
        connections = list(self.state.connections)
        await asyncio.gather(*(c.send_text(text) for c in connections), return_exceptions=True)
        return len(connections)

    def _control_routes(self) -> list[web.RouteDef]:
        actions: dict[str, Callable[..., Awaitable[Any]]] = {
            "drop": self._drop,
            "drop_pushes": self._drop_pushes,
            "pause": self._pause,
            "resume": self._resume,
            "refuse": self._refuse,
            "malformed": self._malformed,
            "oversized": self._oversized,
            "hostile": self._hostile,
            "payload_as_string": self._payload_as_string,
            "token_lifetime": self._token_lifetime,
            "variant": self._variant,
            "push_target": self._push_target,
            "maintenance": self._maintenance,
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
