"""The sandbox's SignalR hub: negotiate, WebSocket upgrade, JSON hub protocol.

Behaves the way ASP.NET Core does where clients notice: every record ends with 0x1E,
nothing is sent before the handshake reply, pushes carry no ``invocationId`` key,
keep-alive is SignalR Ping messages (never WebSocket ping frames, which break
signalrcore), and a silent client is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from sandbox.tokens import bearer_token

if TYPE_CHECKING:
    from sandbox.state import SandboxState

log = logging.getLogger("sandbox.hub")

RS = "\x1e"
SUBSCRIPTION = "SubOnWholeGamesInfo"
NEGOTIATION_TTL = 60.0
MAX_CLIENT_MESSAGE = 32 * 1024  # ASP.NET Core's MaximumReceiveMessageSize default


def record(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False) + RS


class HubConnection:
    def __init__(self, state: SandboxState, ws: web.WebSocketResponse, partner: int, expires_at: float) -> None:
        self.state = state
        self.ws = ws
        self.partner = partner
        self.expires_at = expires_at
        self.subscriptions: list[int] = []
        self.last_received = time.monotonic()
        self.send_lock = asyncio.Lock()
        self.closing = False
        self._pending = ""  # a partial record that arrived with the handshake

    def token_expired(self, now: float) -> bool:
        return now >= self.expires_at

    async def send_text(self, text: str) -> None:
        if self.ws.closed or self.closing:
            return
        async with self.send_lock:
            await self.ws.send_str(text)

    async def push(self, now: float) -> None:
        controls = self.state.controls
        frames = []
        for game_type in self.subscriptions:
            payload: Any = self.state.push_payload(self.partner, game_type, now, self)
            if controls.take_drop(game_type):  # its sId is spent: the client sees a real gap
                self.state.pushes_dropped += 1
                continue
            if controls.payload_as_string:
                payload = json.dumps(payload, separators=(",", ":"))
            frames.append(record({"type": 1, "target": controls.push_target, "arguments": [payload]}))
        # One frame may carry several records; clients split on 0x1E.
        if frames:
            await self.send_text("".join(frames))
        self.state.pushes_sent += len(frames)

    async def send_push(self, target: str, argument: Any) -> None:
        """One recorded push, as it was (replay)."""
        await self.send_text(record({"type": 1, "target": target, "arguments": [argument]}))
        self.state.pushes_sent += 1

    async def close_with(self, error: str | None = None, allow_reconnect: bool = False) -> None:
        message: dict[str, Any] = {"type": 7}
        if error:
            message["error"] = error
            message["allowReconnect"] = allow_reconnect
        try:
            await self.send_text(record(message))
        finally:
            self.closing = True
            await self.ws.close()

    def abort(self) -> None:
        """Drop the TCP connection with no Close message: a network failure."""
        self.closing = True
        transport = self.ws._req.transport if self.ws._req is not None else None
        if transport is not None:
            transport.abort()

    async def run(self) -> None:
        if not await self._handshake():
            return
        self.state.connections.add(self)
        keepalive = asyncio.create_task(self._keepalive())
        try:
            await self._receive()
        finally:
            keepalive.cancel()
            self.state.connections.discard(self)

    async def _handshake(self) -> bool:
        buffer = ""
        deadline = time.monotonic() + self.state.controls.handshake_timeout
        while RS not in buffer:
            try:
                msg = await asyncio.wait_for(self.ws.receive(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                await self.ws.close()
                return False
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                return False
            buffer += msg.data if msg.type == WSMsgType.TEXT else msg.data.decode("utf-8", "replace")
        first, _, rest = buffer.partition(RS)
        error = self._handshake_error(first)
        if error:
            await self.send_text(record({"error": error}))
            await self.ws.close()
            return False
        await self.send_text("{}" + RS)
        # BETCORE's docs call {"type":6} the sign of an established connection: send one at once.
        await self.send_text(record({"type": 6}))
        *complete, self._pending = rest.split(RS)
        for text in complete:
            await self._handle(text)
        return True

    @staticmethod
    def _handshake_error(text: str) -> str | None:
        try:
            request = json.loads(text)
        except json.JSONDecodeError:
            return "Handshake request is not valid JSON."
        if not isinstance(request, dict) or request.get("protocol") != "json":
            protocol = request.get("protocol") if isinstance(request, dict) else None
            return f"The protocol '{protocol}' is not supported."
        version = request.get("version")
        # signalrcore 1.0.2 sends 0; .NET 8+ accepts version <= 2.
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= 2:
            return f"The server does not support version {version} of the 'json' protocol."
        return None

    async def _receive(self) -> None:
        buffer = self._pending
        while not self.ws.closed:
            timeout = self.state.controls.client_timeout - (time.monotonic() - self.last_received)
            try:
                msg = await asyncio.wait_for(self.ws.receive(), max(0.01, timeout))
            except TimeoutError:
                await self.close_with("Server timeout elapsed without receiving a message from the client.", True)
                return
            if msg.type == WSMsgType.TEXT:
                buffer += msg.data
            elif msg.type == WSMsgType.BINARY:
                buffer += msg.data.decode("utf-8", "replace")
            else:
                return  # close, closing, error
            self.last_received = time.monotonic()
            if len(buffer) > MAX_CLIENT_MESSAGE and RS not in buffer:
                await self.close_with("Message exceeded the maximum size.", False)
                return
            *complete, buffer = buffer.split(RS)
            for text in complete:
                await self._handle(text)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.state.controls.ping_interval)
            try:
                await self.send_text(record({"type": 6}))
            except ConnectionError:
                return

    async def _handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            await self.close_with("Connection closed with an error.", False)
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == 1:
            await self._invocation(message)
        elif kind == 7:
            self.closing = True
            await self.ws.close()
        # Pings (6) only refresh last_received; anything else is ignored like ASP.NET does.

    async def _invocation(self, message: dict[str, Any]) -> None:
        invocation_id = message.get("invocationId")
        target = str(message.get("target", ""))
        error = None
        if target.lower() == "subscribe":
            error = self._subscribe(message.get("arguments"))
        else:
            error = f"Unknown hub method '{target}'"
        if error:
            log.info("rejected invocation %s: %s", target, error)
        if invocation_id is not None:
            reply: dict[str, Any] = {"type": 3, "invocationId": str(invocation_id)}
            if error:
                reply["error"] = error
            await self.send_text(record(reply))

    def _subscribe(self, arguments: Any) -> str | None:
        if not isinstance(arguments, list) or len(arguments) < 2 or arguments[0] != SUBSCRIPTION:
            return f"Subscribe expects ['{SUBSCRIPTION}', '<filter JSON>']"
        raw_filter = arguments[1]
        try:
            filters = json.loads(raw_filter) if isinstance(raw_filter, str) else raw_filter
        except json.JSONDecodeError:
            return "The subscription filter is not valid JSON"
        if not isinstance(filters, dict):
            return "The subscription filter must be a JSON object"
        game_type = filters.get("GameType")
        if not isinstance(game_type, int) or game_type not in self.state.offered_game_types():
            return f"Unknown GameType {game_type!r}"
        partner = filters.get("PartnerClientId")
        if partner is not None and partner != self.partner:
            return "PartnerClientId does not match the token"
        if game_type not in self.subscriptions:
            self.subscriptions.append(game_type)
        return None


class Negotiations:
    """Connection ids handed out by negotiate, looked up by token or id (signalrcore uses the id)."""

    def __init__(self) -> None:
        self.pending: dict[str, float] = {}

    def create(self) -> tuple[str, str]:
        connection_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(16)  # URL-safe: both clients put it in the query unencoded
        expires = time.monotonic() + NEGOTIATION_TTL
        self.pending[connection_id] = expires
        self.pending[token] = expires
        return connection_id, token

    def claim(self, key: str) -> bool:
        now = time.monotonic()
        self.pending = {k: exp for k, exp in self.pending.items() if exp > now}
        return self.pending.pop(key, None) is not None


def routes(state: SandboxState, path: str) -> list[web.RouteDef]:
    negotiations = Negotiations()

    def claims_or_refuse(request: web.Request) -> dict[str, Any]:
        if state.controls.refusing(state.clock()):
            raise web.HTTPServiceUnavailable(text="Sandbox is refusing hub connections")
        claims = state.issuer.verify(bearer_token(request.headers, request.query, state.variants.token_in))
        if claims is None:
            raise web.HTTPUnauthorized()
        return claims

    async def negotiate(request: web.Request) -> web.Response:
        if not state.variants.negotiate:  # a hub that serves only the direct WebSocket URL
            raise web.HTTPNotFound()
        claims_or_refuse(request)
        query = {key.lower(): value for key, value in request.query.items()}
        try:
            version = min(int(query.get("negotiateversion", "0")), 1)
        except ValueError:
            version = 0
        connection_id, token = negotiations.create()
        body: dict[str, Any] = {
            "negotiateVersion": version,
            "connectionId": connection_id,
            # Text first: signalrcore picks its protocol from the first format listed.
            "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}],
        }
        if version >= 1:
            body["connectionToken"] = token
        return web.json_response(body)

    async def connect(request: web.Request) -> web.StreamResponse:
        claims = claims_or_refuse(request)
        connection_key = request.query.get("id")
        if connection_key is not None and not negotiations.claim(connection_key):
            raise web.HTTPNotFound(text="No Connection with that ID")
        # heartbeat=None: no WebSocket-level pings (signalrcore cannot read them).
        ws = web.WebSocketResponse(heartbeat=None, autoping=True, max_msg_size=4 * 1024 * 1024)
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="Connection ID required or WebSocket upgrade expected")
        await ws.prepare(request)
        connection = HubConnection(state, ws, int(claims["sub"]), float(claims["exp"]))
        await connection.run()
        return ws

    return [web.post(f"{path}/negotiate", negotiate), web.get(path, connect)]
