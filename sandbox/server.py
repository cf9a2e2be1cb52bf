"""Assemble the sandbox (REST + hub + controls) and run it in a thread or on its own.

``Sandbox(...).start()`` serves on a free loopback port in a background thread and
returns at once; its control methods are safe to call from any thread (they run the
actions of ``sandbox.control_actions`` on the sandbox's loop).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from aiohttp import web

from sandbox import hub, rest, video
from sandbox.control_actions import ControlActions
from sandbox.replay import Recording, ReplayFeed
from sandbox.simulation import Simulation
from sandbox.state import Controls, SandboxState
from sandbox.tokens import TokenIssuer
from sandbox.variants import Variants

DEFAULT_API_BASE = "/partnersmediator-service/api/v2"
DEFAULT_HUB_PATH = "/signalrhub-livefeed-service/hubs"
DEFAULT_PARTNER_ID = 1
DEFAULT_SECRET = "sandbox-secret"


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
        self.actions = ControlActions(self.state)
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
        app.add_routes(self.actions.routes())
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
        return int(self._call(self.actions.drop, send_close))

    def pause_pushes(self, seconds: float | None = None) -> None:
        """Stop data pushes (pings go on) for ``seconds``, or until ``resume_pushes``."""
        self._call(self.actions.pause, seconds)

    def resume_pushes(self) -> None:
        self._call(self.actions.resume)

    def drop_pushes(self, count: int, game_type: int | None = None) -> None:
        """Lose the next ``count`` pushes (of ``game_type``, or any) after taking their sIds."""
        self._call(self.actions.drop_pushes, count, game_type)

    def refuse_connections(self, seconds: float) -> None:
        """Answer 503 to negotiate and upgrade requests for ``seconds``."""
        self._call(self.actions.refuse, seconds)

    def send_malformed_frame(self, kind: str = "json") -> int:
        """Send a broken record to every connection (kinds: json, schema, type, binary)."""
        return int(self._call(self.actions.malformed, kind))

    def send_oversized_frame(self, size: int = 5 * 1024 * 1024) -> int:
        """Send one push whose payload is ``size`` bytes of padding."""
        return int(self._call(self.actions.oversized, size))

    def set_hostile(self, on: bool = True) -> None:
        """Put HTML/script strings into translations and results."""
        self._call(self.actions.hostile, on)

    def set_payload_as_string(self, on: bool = True) -> None:
        """Send each push payload as a JSON string instead of an object."""
        self._call(self.actions.payload_as_string, on)

    def set_variant(self, name: str, value: object) -> None:
        """Switch one of the undocumented choices (see ``sandbox.variants``)."""
        self._call(self.actions.variant, name, value)

    def set_push_target(self, name: str) -> None:
        """The client-method name pushes are sent under."""
        self._call(self.actions.push_target, name)

    def set_token_lifetime(self, seconds: float) -> None:
        """Lifetime of tokens issued from now on."""
        self._call(self.actions.token_lifetime, seconds)

    def start_maintenance(self, game_type: int, seconds: float) -> None:
        self._call(self.actions.maintenance, game_type, seconds)
