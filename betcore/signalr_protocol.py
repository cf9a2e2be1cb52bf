"""The JSON hub protocol the feed reads BETCORE's hub with: records in, plain dicts out.

signalrcore's own ``JsonHubProtocol`` lets a malformed record raise in its reader
thread, which ends the connection. This subclass hands invocations and Close messages
on as plain dicts and reports anything it cannot read, so the supervisor decides what a
bad record means. It is apart from ``betcore.signalr_client`` (the connection) because
it deals only in record text, and the probe and tests use it without a connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from signalrcore.messages.message_type import MessageType
from signalrcore.protocol.json_hub_protocol import JsonHubProtocol

RS = "\x1e"
MAX_RECORD_BYTES = 1024 * 1024  # a push is a few hundred bytes; anything near this is not a push
IGNORED_TYPES = {
    MessageType.stream_item.value,
    MessageType.stream_invocation.value,
    MessageType.cancel_invocation.value,
    MessageType.ack.value,
    MessageType.sequence.value,
}


class TolerantJsonHubProtocol(JsonHubProtocol):  # type: ignore[misc,unused-ignore]
    """JSON hub protocol (version 1) that never lets a bad record kill the reader thread.

    Invocations go straight to ``on_invocation`` (as plain dicts); Close messages to
    ``on_close_message``; records that cannot be parsed to ``on_bad_record`` with a
    reason. Only pings and completions reach signalrcore itself.
    """

    def __init__(
        self,
        on_invocation: Callable[[dict[str, Any]], None],
        on_close_message: Callable[[dict[str, Any]], None],
        on_bad_record: Callable[[str], None],
        on_traffic: Callable[[], None],
        on_record: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(version=1)
        self.on_invocation = on_invocation
        self.on_close_message = on_close_message
        self.on_bad_record = on_bad_record
        self.on_traffic = on_traffic
        self.on_record = on_record  # sees every record's text first (the probe records them)

    def parse_messages(self, raw: Any) -> list[Any]:
        self.on_traffic()
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.on_bad_record("frame is not UTF-8 text")
                return []
        messages = []
        for text in raw.split(RS):
            if not text.strip():
                continue
            if self.on_record is not None:
                self.on_record(text)
            message = self._record(text)
            if message is not None:
                messages.append(message)
        return messages

    def _record(self, text: str) -> Any:
        if len(text) > MAX_RECORD_BYTES:
            self.on_bad_record(f"record of {len(text)} bytes is over the {MAX_RECORD_BYTES} byte limit")
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self.on_bad_record(f"record is not JSON ({error.msg})")
            return None
        if not isinstance(data, dict):
            self.on_bad_record("record is not a JSON object")
            return None
        kind = data.get("type")
        if kind == MessageType.invocation.value:
            self.on_invocation(data)
            return None
        if kind == MessageType.close.value:
            self.on_close_message(data)
            return None
        if kind in (MessageType.completion.value, MessageType.ping.value):
            try:
                return self.get_message(data)
            except (TypeError, ValueError) as error:
                self.on_bad_record(f"type {kind} record is malformed ({error})")
                return None
        if kind not in IGNORED_TYPES and data:  # {} is a late handshake echo; harmless
            self.on_bad_record(f"unknown message type {json.dumps(kind)[:20]}")
        return None
