"""Prometheus metrics of the feed worker and the widget sockets (served at /metrics)."""

from __future__ import annotations

import sys

from prometheus_client import Counter, Gauge, Histogram

HUB_MESSAGES = Counter("feed_hub_messages_total", "Pushes received from the BETCORE hub")
PARSE_ERRORS = Counter("feed_parse_errors_total", "Hub messages or records that could not be used")
SID_GAPS = Counter(
    "feed_hub_sid_gaps_total",
    "Pushes whose sId never arrived (gap) or arrived again (repeat), read as one counter shared by all "
    "subscriptions or one per subscription, whichever the hub shows; pushes are never dropped for their sId",
    ["kind"],
)
UNKNOWN_TARGETS = Counter(
    "feed_hub_unknown_targets_total", "Hub invocations under a client method name not taken as pushes", ["target"]
)
RECONNECTS = Counter("feed_hub_reconnects_total", "Hub connections rebuilt by the supervisor")
BROADCASTS = Counter("feed_broadcasts_total", "Messages sent to channel-layer groups", ["kind"])
WIDGET_SOCKETS = Gauge("feed_widget_sockets", "Open widget WebSocket connections in this process")
MESSAGES_SENT = Counter("feed_widget_messages_sent_total", "Messages sent to widget sockets")
FASTPATH = Gauge(
    "feed_widget_fastpath", "Open widget sockets by write path: direct (plain TCP) or fallback (ASGI send)", ["mode"]
)
QUEUED_BYTES = Gauge("feed_widget_queued_bytes", "Bytes queued in this process for widget sockets not reading")
MESSAGES_DROPPED = Counter("feed_widget_messages_dropped_total", "Updates dropped for slow widget sockets")
SEND_LAG = Histogram(
    "feed_send_lag_seconds",
    "From the worker's broadcast to the send on a widget socket",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
GC_PAUSE = Histogram(
    "python_gc_pause_seconds",
    "Garbage-collection pauses of this process",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
# Where a game message's time goes, hop by hop (observed by widget/hop_times.py).
HOP_SECONDS = Histogram(
    "feed_hop_seconds",
    "Time of one hop of a game message: betcore (sandbox/BETCORE send to worker receive), worker (receive to "
    "broadcast), layer (broadcast to web process receive), queued (web receive to fan-out start), first_write "
    "and last_write (web receive to the first and last socket write of its batch)",
    ["hop"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5),
)
# Memory under churn: consumer objects still in memory (open sockets plus closed ones not yet
# freed) and the per-process widget cache's entries; both must follow the open sockets.
WIDGET_CONSUMERS_ALIVE = Gauge(
    "feed_widget_consumers_alive", "Widget socket consumers still in this process's memory, open or not"
)
WIDGET_CACHE_ENTRIES = Gauge("feed_widget_cache_entries", "Widgets (and unknown ids) kept by this process's cache")
WEB_CONNECTIONS = Gauge(
    "feed_web_connections",
    "Connections daphne tracks in this process: open sockets and HTTP requests, and closed ones not reaped yet",
)
WEB_CONNECTIONS_REAPING = Gauge(
    "feed_web_connections_reaping", "Connections whose application finished or that disconnected, not reaped yet"
)
# Memory blocks Python's allocator holds for live objects (cheap to read, unlike counting objects).
PYTHON_ALLOCATED_BLOCKS = Gauge("python_allocated_blocks", "Memory blocks allocated by Python for live objects")
PYTHON_ALLOCATED_BLOCKS.set_function(sys.getallocatedblocks)
