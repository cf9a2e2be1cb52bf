"""Everything one running sandbox knows: simulation, tokens, controls and hub connections.

All of it lives on the sandbox's event loop; other threads go through ``Sandbox``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from betcore.sandbox.simulation import Simulation, dotnet_timestamp
from betcore.sandbox.tokens import TokenIssuer

if TYPE_CHECKING:
    from betcore.sandbox.hub import HubConnection

log = logging.getLogger("betcore.sandbox")


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

    def pushes_paused(self, now: float) -> bool:
        return self.paused or now < self.paused_until

    def refusing(self, now: float) -> bool:
        return now < self.refuse_until


@dataclass
class SandboxState:
    simulation: Simulation
    issuer: TokenIssuer
    controls: Controls
    connections: set[HubConnection] = field(default_factory=set)
    # [SANDBOX] one sId counter per partner, continuing across reconnects (§4.7).
    sequences: dict[int, int] = field(default_factory=dict)
    pushes_sent: int = 0

    def advance(self) -> float:
        now = time.time()
        self.simulation.advance(now)
        return now

    def next_sequence(self, partner: int) -> int:
        value = self.sequences.get(partner, 0)
        self.sequences[partner] = value + 1
        return value

    def push_payload(self, partner: int, game_type: int, now: float) -> dict:
        payload = {"sId": self.next_sequence(partner), "tst": dotnet_timestamp(now)}
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
        sends = [connection.push(now) for connection in list(self.connections) if connection.subscriptions]
        if sends:
            await asyncio.gather(*sends, return_exceptions=True)

    def status(self) -> dict:
        now = time.time()
        return {
            "connections": len(self.connections),
            "subscriptions": sorted({t for c in self.connections for t in c.subscriptions}),
            "sequences": {str(partner): value for partner, value in self.sequences.items()},
            "pushes_sent": self.pushes_sent,
            "paused": self.controls.pushes_paused(now),
            "refusing": self.controls.refusing(now),
            "hostile": self.simulation.hostile,
            "payload_as_string": self.controls.payload_as_string,
            "token_lifetime": self.issuer.lifetime,
        }
