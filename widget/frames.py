"""What a web process writes to its widget sockets: a frame's text, built once, shared by viewers.

A ``Frame`` is one feed event's text, or several events' texts as one JSON array (those
that reached the process in the same tick, for viewers that watch the same subset). The
per-process bookkeeping lives here rather than in the events: the combined frame keeps
its single-event ``parts`` (Save-Data viewers filter them one by one, and each part is
the same object for every frame that holds it), and the direct write path keeps the
WebSocket frame it prepared (``prepared``), so a message is framed once per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feed.protocol.events import EventKind, FeedEvent


class Frame:
    __slots__ = ("event", "parts", "prepared", "text")

    def __init__(self, text: str, event: FeedEvent | None = None, parts: tuple[Frame, ...] = ()) -> None:
        self.text = text
        self.event = event  # the one event this frame carries (None for a combined frame or a snapshot)
        self.parts = parts  # the single-event frames of a combined frame
        self.prepared: Any = None  # autobahn's prepared message, made on the first direct write

    @classmethod
    def of(cls, event: FeedEvent) -> Frame:
        return cls(event.text, event)

    @classmethod
    def combine(cls, frames: Sequence[Frame]) -> Frame:
        """One frame as it is; several as one frame holding a JSON array of their messages."""
        if len(frames) == 1:
            return frames[0]
        return cls("[" + ",".join(frame.text for frame in frames) + "]", None, tuple(frames))

    @property
    def messages(self) -> int:
        """How many feed messages this frame carries (what the sent and dropped counters count)."""
        return len(self.parts) or 1

    def is_kind(self, kind: EventKind) -> bool:
        return self.event is not None and self.event.kind is kind
