"""What the hub supervisor tells about its connection (read by the worker's status report).

A module of its own so that readers of these figures (web processes serving /readyz)
do not import the SignalR client with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class HubStats:
    connected: bool = False
    reconnects: int = 0
    bad_records: int = 0
    unknown_targets: dict[str, int] = field(default_factory=dict)  # method name -> invocations ignored
    last_traffic: float = 0.0  # time.monotonic() of the last frame (data or ping)
    sessions: int = 0
    last_error: str = ""
    reason: str = ""  # why the hub is not streaming, in plain words; "" once pushes flow
    connection_mode: str = ""  # "negotiate" or "direct", once a connection was made
    push_targets: tuple[str, ...] = ()  # method names accepted as pushes
    bad_reasons: set[str] = field(default_factory=set)
