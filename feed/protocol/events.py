"""Worker → web processes: the events carried by channel-layer groups.

Each event holds one browser message, already encoded (``text``: the worker serialises
once, every web process and viewer sends the same text), and what a web process needs
around it without parsing that text: its ``kind`` (Save-Data filters jackpots by it; on
the wire it is the one ``type`` field), its ``group``, the worker's ``position`` in that
group (``epoch``, ``seq``: a gap means this process missed events, and its viewers of
that group resync) and, for game changes, the times that give per-hop latency. A
``config`` event (sent by the admin, widget/live_config.py) carries no position; its
settings are decoded once per process from its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from feed.protocol.browser import BrowserMessage, ConfigMessage
from feed.protocol.browser import encode as encode_browser
from feed.protocol.schema import ProtocolError, as_object, check, exact_keys, text_to_object


class EventKind(StrEnum):
    GAME = "game"
    RESULT = "result"
    JACKPOTS = "jackpots"
    NAMES = "names"
    STATUS = "status"
    CONFIG = "config"


@dataclass(frozen=True, slots=True)
class Position:
    """Where an event stands in its group: the worker run (``epoch``) and its count there."""

    epoch: str
    seq: int

    def follows(self, previous: Position) -> bool:
        return self.epoch == previous.epoch and self.seq == previous.seq + 1


@dataclass(frozen=True, slots=True)
class HopTimes:
    """When BETCORE sent the push and when the worker received it (Unix seconds)."""

    betcore_sent: float
    received: float


@dataclass(frozen=True, slots=True)
class FeedEvent:
    kind: EventKind
    group: str
    text: str  # the browser message's JSON text
    sent: float  # when the worker (or the admin) sent it, Unix seconds
    position: Position | None = None
    hops: HopTimes | None = None
    config: ConfigMessage | None = None  # the decoded message, for config events only

    @classmethod
    def of(
        cls,
        message: BrowserMessage,
        group: str,
        sent: float,
        position: Position | None = None,
        hops: HopTimes | None = None,
    ) -> FeedEvent:
        """The event carrying ``message`` to ``group`` (encoded here, once)."""
        config = message if isinstance(message, ConfigMessage) else None
        return cls(EventKind(message.kind), group, encode_browser(message), sent, position, hops, config)

    def encode(self) -> dict[str, Any]:
        """The channel-layer message (plain data: channels-redis packs it with msgpack)."""
        event: dict[str, Any] = {"type": self.kind.value, "group": self.group, "text": self.text, "sent": self.sent}
        if self.position is not None:
            event["epoch"], event["seq"] = self.position.epoch, self.position.seq
        if self.hops is not None:
            event["tst"], event["received"] = self.hops.betcore_sent, self.hops.received
        return event

    @classmethod
    def decode(cls, value: Any) -> FeedEvent:
        """A channel-layer message as an event; ``ProtocolError`` says what is wrong with it."""
        data: Mapping[str, Any] = as_object(value, "event")
        exact_keys(data, "event", ("type", "group", "text", "sent"), ("epoch", "seq", "tst", "received"))
        try:
            kind = EventKind(data["type"])
        except ValueError:
            raise ProtocolError(f"unknown event type {data['type']!r}") from None
        text = check(data["text"], str, "event.text")
        position = hops = config = None
        if "epoch" in data or "seq" in data:
            exact_keys({k: 1 for k in data if k in ("epoch", "seq")}, "event position", ("epoch", "seq"))
            position = Position(check(data["epoch"], str, "event.epoch"), check(data["seq"], int, "event.seq"))
        if "tst" in data or "received" in data:
            exact_keys({k: 1 for k in data if k in ("tst", "received")}, "event hop times", ("tst", "received"))
            hops = HopTimes(
                check(data["tst"], (int, float), "event.tst"), check(data["received"], (int, float), "event.received")
            )
        if kind is EventKind.CONFIG:
            config = ConfigMessage.from_wire(as_object(text_to_object(text, "config text"), "config text"))
        return cls(
            kind,
            check(data["group"], str, "event.group"),
            text,
            check(data["sent"], (int, float), "event.sent"),
            position,
            hops,
            config,
        )
