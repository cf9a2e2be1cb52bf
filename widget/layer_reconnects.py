"""Noticing that the channel layer's subscriber connection to Redis was made again.

channels-redis's pub/sub layer reconnects and resubscribes by itself, through redis-py,
without telling anyone: whatever was published meanwhile is lost. The worker's sequence
numbers show such a loss only on a group this process has already seen an event of; a
group joined since its last event (a game that has not changed yet) has nothing to compare
the next event with. redis-py runs a connection's connect callbacks on every reconnect
(``register_connect_callback``, its documented hook for listeners); this finds the
connections the layer subscribes on, to register one there.

Those connections sit behind channels-redis's private names (4.x: the per-loop layer's
``_shards``, each shard's ``_pubsub``). Without them the fan-out still has sequence gaps,
and says once that this protection is missing.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("widget.fanout")
_MISSING = object()


def subscriber_connections(layer: Any) -> list[Any] | None:
    """The redis-py connections ``layer`` receives its subscriptions on, once it has subscribed.

    ``[]`` for a layer that has none (the in-memory layer of the embedded default), ``None``
    when this channels-redis does not have the names this relies on.
    """
    loop_layer = getattr(type(layer), "_get_layer", None)
    if loop_layer is None:
        return []  # not the pub/sub layer: nothing reconnects behind our back
    shards = getattr(layer._get_layer(), "_shards", None)
    if shards is None:
        return None
    connections = []
    for shard in shards:
        pubsub = getattr(shard, "_pubsub", _MISSING)
        if pubsub is _MISSING:
            return None
        connection = getattr(pubsub, "connection", None)
        if connection is None:
            continue  # this shard has no subscription yet
        if not hasattr(connection, "register_connect_callback"):
            return None
        connections.append(connection)
    return connections


class ReconnectWatch:
    """Registers ``on_reconnect`` on the layer's subscriber connections (again after each join: a
    shard subscribes on its first group). redis-py keeps each callback once, weakly."""

    def __init__(self) -> None:
        self.warned = False

    def register(self, layer: Any, on_reconnect: Any) -> bool:
        connections = subscriber_connections(layer)
        if connections is None:
            if not self.warned:
                self.warned = True
                log.warning(
                    "this channels-redis hides its Redis connections: a restart of Redis is noticed "
                    "only on groups that have had an event since this process joined them"
                )
            return False
        for connection in connections:
            connection.register_connect_callback(on_reconnect)
        return True
