"""A bare SignalR JSON-protocol client on `websockets`, to check the sandbox frame by frame."""

from __future__ import annotations

import json
import time

from websockets.sync.client import connect

RS = "\x1e"


class RawHub:
    def __init__(self, hub_url: str, token: str | None, *, version: int = 1, query_token: bool = True) -> None:
        url = hub_url.replace("http://", "ws://")
        headers = {}
        if token and query_token:
            url += f"?access_token={token}"
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        self.ws = connect(url, additional_headers=headers, open_timeout=5, ping_interval=None, max_size=None)
        self.buffer = ""
        self.frames: list[str] = []
        self.ws.send(json.dumps({"protocol": "json", "version": version}) + RS)

    def records(self, timeout: float = 5.0) -> list[dict]:
        """Records that arrive within ``timeout`` (at least one, unless the socket closes)."""
        frame = self.ws.recv(timeout=timeout)
        self.frames.append(frame)
        self.buffer += frame
        *complete, self.buffer = self.buffer.split(RS)
        return [json.loads(text) for text in complete]

    def next_record(self, timeout: float = 5.0) -> dict:
        while True:
            pending = getattr(self, "_pending", [])
            if pending:
                return pending.pop(0)
            self._pending = self.records(timeout)

    def wait_for(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.next_record(max(0.05, deadline - time.monotonic()))
            if predicate(record):
                return record
        raise TimeoutError("no matching record")

    def subscribe(self, game_type: int, invocation_id: str | None = None, partner: int = 1) -> None:
        message = {
            "type": 1,
            "target": "Subscribe",
            "arguments": [
                "SubOnWholeGamesInfo",
                json.dumps({"GameType": game_type, "PartnerClientId": partner, "Count": 1}),
            ],
        }
        if invocation_id is not None:
            message["invocationId"] = invocation_id
        self.ws.send(json.dumps(message) + RS)

    def close(self) -> None:
        self.ws.close()


def is_push(record: dict) -> bool:
    return record.get("type") == 1 and record.get("target") == "SubOnWholeGamesInfo"
