"""The real feed worker (signalrcore, REST, store) run against a sandbox, seen from a channel-layer member."""

import asyncio
import json
import time
from collections.abc import Callable

from channels.layers import InMemoryChannelLayer

from betcore.rest import BetcoreRest
from feed.audience import Wanted
from feed.protocol.keys import STATUS_GROUP, game_group, jackpots_group, names_group
from feed.store import MemoryStore
from feed.worker import FeedWorker, WorkerConfig
from sandbox import Sandbox


class RunningWorker:
    def __init__(
        self,
        sandbox: Sandbox,
        *,
        secret: str = "sandbox-secret",
        store=None,
        offered=None,
        wanted=None,
        clock: Callable[[], float] = time.time,
        **config,
    ) -> None:
        self.layer = InMemoryChannelLayer(capacity=10_000)
        self.store = store or MemoryStore()
        # The REST client's clock: shared with the sandbox's, a test moves token expiry forward.
        rest = BetcoreRest(sandbox.api_url, 1, secret, clock=clock)

        async def fixed_wanted() -> Wanted:
            return Wanted(game_types=(3, 1), languages=("en", "ru"))

        settings = {"silence_seconds": 2.0, "jackpots_poll": 0.5, "reconnect_max": 1.0, **config}
        self.worker = FeedWorker(
            WorkerConfig(sandbox.hub_url, 1, **settings), rest, self.store, self.layer, wanted or fixed_wanted, offered
        )
        self.stop = asyncio.Event()

    async def __aenter__(self) -> "RunningWorker":
        self.channel = await self.layer.new_channel()
        jackpots = [jackpots_group(c) for c in ("EUR", "USD", "")]
        for group in (game_group(3), game_group(1), *jackpots, STATUS_GROUP, names_group("ru")):
            await self.layer.group_add(group, self.channel)
        self.task = asyncio.create_task(self.worker.run(self.stop))
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)

    async def receive(self, predicate=lambda m: True, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = await asyncio.wait_for(self.layer.receive(self.channel), max(0.01, deadline - time.monotonic()))
            message = json.loads(event["text"])
            if predicate(message):
                return message

    async def collect(self, seconds: float) -> list[dict]:
        messages, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = await asyncio.wait_for(self.layer.receive(self.channel), deadline - time.monotonic())
            except TimeoutError:
                break
            messages.append(json.loads(event["text"]))
        return messages
