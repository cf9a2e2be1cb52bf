"""Everything one running sandbox knows: simulation, tokens, controls and hub connections.

All of it lives on the sandbox's event loop; other threads go through ``Sandbox``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.rounds import dotnet_timestamp
from sandbox.simulation import Simulation
from sandbox.tokens import TokenIssuer
from sandbox.variants import Variants

if TYPE_CHECKING:
    from sandbox.hub import HubConnection
    from sandbox.replay import ReplayFeed

log = logging.getLogger("sandbox")


@dataclass
class Controls:
    """Knobs that tests and demos turn while the sandbox runs."""

    push_interval: float = 0.5
    ping_interval: float = 15.0
    client_timeout: float = 30.0
    handshake_timeout: float = 15.0
    payload_as_string: bool = False
    push_target: str = "SubOnWholeGamesInfo"
    paused: bool = False
    paused_until: float = 0.0
    refuse_until: float = 0.0
    drop_next: int = 0  # pushes still to lose after their sId is taken (a push lost on the way)
    drop_game_type: int | None = None  # lose only this game type's pushes; None: any

    def take_drop(self, game_type: int) -> bool:
        """Whether this push is to be lost; counts it off ``drop_next``."""
        if self.drop_next <= 0 or self.drop_game_type not in (None, game_type):
            return False
        self.drop_next -= 1
        return True

    def pushes_paused(self, now: float) -> bool:
        return self.paused or now < self.paused_until

    def refusing(self, now: float) -> bool:
        return now < self.refuse_until


@dataclass
class SandboxState:
    simulation: Simulation
    issuer: TokenIssuer
    controls: Controls
    variants: Variants = field(default_factory=Variants)
    connections: set[HubConnection] = field(default_factory=set)
    # sId counters, keyed by what the sid_scope variant counts: partner (the default,
    # continuing across reconnects), (partner, game type), or one connection.
    sequences: dict[object, int] = field(default_factory=dict)
    pushes_sent: int = 0
    pushes_dropped: int = 0
    token_calls: int = 0  # every POST /auth/token, good or bad: tests bound a client's retries
    replay: ReplayFeed | None = None  # serving a probe recording instead of the simulation
    clock: Callable[[], float] = time.time  # the simulation's wall clock (tests may inject one)
    streams: bool = True  # translations name each game type's live stream (off: a data-only feed)

    def offered_game_types(self) -> set[int]:
        if self.replay is not None:
            return self.replay.recording.game_types
        return set(self.simulation.tables)

    def advance(self) -> float:
        now = self.clock()
        self.simulation.advance(now)
        return now

    def next_sequence(self, key: object) -> int:
        value = self.sequences.get(key, 0)
        self.sequences[key] = value + 1
        return value

    def sequence_key(self, partner: int, game_type: int, connection: object) -> object:
        scope = self.variants.sid_scope
        if scope == "subscription":
            return (partner, game_type)
        if scope == "connection":
            return ("connection", id(connection))
        return partner

    def push_payload(self, partner: int, game_type: int, now: float, connection: object = None) -> dict[str, Any]:
        sequence = self.next_sequence(self.sequence_key(partner, game_type, connection))
        payload = {"sId": sequence, "tst": dotnet_timestamp(now)}
        payload.update(self.simulation.whole_games_info(game_type, now))
        return payload

    async def push_forever(self) -> None:
        """Every ``push_interval``: advance the games and push to every subscription."""
        while True:
            started = time.monotonic()
            try:
                await self.push_once()
            except Exception:  # never let one bad tick end the feed
                log.exception("sandbox push tick failed")
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(0.0, self.controls.push_interval - elapsed))

    async def push_once(self) -> None:
        now = self.advance()
        for connection in list(self.connections):
            if connection.token_expired(now):
                await connection.close_with("Token expired", allow_reconnect=True)
        if self.controls.pushes_paused(now):
            return
        if self.replay is not None:
            await self._push_replay(now)
            return
        sends = [connection.push(now) for connection in list(self.connections) if connection.subscriptions]
        if sends:
            await asyncio.gather(*sends, return_exceptions=True)

    async def _push_replay(self, now: float) -> None:
        assert self.replay is not None
        for target, argument, game_types in self.replay.due(now):
            sends = [c.send_push(target, argument) for c in list(self.connections) if game_types & set(c.subscriptions)]
            if sends:
                await asyncio.gather(*sends, return_exceptions=True)

    def status(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "connections": len(self.connections),
            "subscriptions": sorted({t for c in self.connections for t in c.subscriptions}),
            "sequences": {str(key): value for key, value in self.sequences.items()},
            "token_calls": self.token_calls,
            "variants": self.variants.as_dict(),
            "push_target": self.controls.push_target,
            "pushes_sent": self.pushes_sent,
            "pushes_dropped": self.pushes_dropped,
            "paused": self.controls.pushes_paused(now),
            "refusing": self.controls.refusing(now),
            "hostile": self.simulation.hostile,
            "replaying": self.replay is not None,
            "payload_as_string": self.controls.payload_as_string,
            "token_lifetime": self.issuer.lifetime,
        }
