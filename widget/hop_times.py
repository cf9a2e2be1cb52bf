"""Where a game message's time went, hop by hop, from the times it carries and its batch's."""

from __future__ import annotations

from feed import metrics
from feed.protocol.events import FeedEvent


def observe_hops(event: FeedEvent, arrived: float, started: float, first_write: float, last_write: float) -> None:
    """Each hop of a game message, from the times it carries and the ones this batch took."""
    if event.hops is None:
        return
    hops = {
        "betcore": event.hops.received - event.hops.betcore_sent,
        "worker": event.sent - event.hops.received,
        "layer": arrived - event.sent,
        "queued": started - arrived,
        "first_write": first_write - arrived,
        "last_write": last_write - arrived,
    }
    for hop, seconds in hops.items():
        metrics.HOP_SECONDS.labels(hop).observe(max(0.0, seconds))
