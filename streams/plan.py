"""Which streams a widget page shows, and the origins its CSP must name for them.

``plan_for`` is pure; ``stream_plan`` reads the sources and the feed's own addresses
and keeps the answer per process for a few seconds (a burst of page views costs one
query per widget, as for the widget row itself).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.templatetags.static import static

from feed.protocol.keys import STREAMS_KEY
from feed.store import get_store
from streams.labels import video_labels
from streams.models import StreamSource
from streams.validators import stream_origin
from widget.models import Widget

KEEP_FOR = 5.0  # seconds a plan may be stale in a process after a source changes
MAX_KEPT = 2048
HLS_PLAYER = "vendor/hls.js/hls.light.min.js"
PLAYLIST = re.compile(r"\.m3u8(\?|#|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Stream:
    game_type: int
    kind: str  # "hls" or "page"
    url: str
    poster: str = ""


@dataclass(frozen=True)
class StreamPlan:
    streams: tuple[Stream, ...] = ()
    featured: int | None = None

    def __bool__(self) -> bool:
        return bool(self.streams)

    def csp(self) -> dict[str, list[str]]:
        """Origins for ``widget_policy``: media (and fetches), frames, images; sorted, no repeats."""
        media = {stream_origin(s.url) for s in self.streams if s.kind == "hls"}
        frames = {stream_origin(s.url) for s in self.streams if s.kind == "page"}
        images = {stream_origin(s.poster) for s in self.streams if s.poster}
        return {"media": sorted(media), "frames": sorted(frames), "images": sorted(images)}

    def client_data(self) -> dict[str, Any]:
        """What video.js reads from the page (json_script ``bw-streams``)."""
        return {
            "featured": self.featured,
            "types": [s.game_type for s in self.streams],
            "others": len(self.streams) > 1,  # games to switch to: the watch buttons
            "streams": {str(s.game_type): {"kind": s.kind, "url": s.url, "poster": s.poster} for s in self.streams},
            "hls": static(HLS_PLAYER),
            "labels": video_labels(),
        }


def _feed_stream(game_type: int, address: Any) -> Stream | None:
    """An address the feed carries, if it is one we may show (https, or http on localhost)."""
    if not isinstance(address, str):
        return None
    try:
        stream_origin(address)
    except ValidationError:
        return None
    if address.lower().split("?")[0].endswith(".mpd"):
        return None  # DASH: no player for it here
    return Stream(game_type, "hls" if PLAYLIST.search(address) else "page", address)


def plan_for(game_types: Iterable[int], sources: Iterable[StreamSource], feed_streams: Mapping[str, Any]) -> StreamPlan:
    """The widget's own source, else the global one, else the feed's address, per game type shown."""
    own: dict[int, StreamSource] = {}
    shared: dict[int, StreamSource] = {}
    for source in sources:
        if source.enabled:
            (own if source.widget_id is not None else shared)[source.game_type] = source
    streams: list[Stream] = []
    featured: int | None = None
    for game_type in game_types:
        chosen = own.get(game_type) or shared.get(game_type)
        if chosen is not None:
            streams.append(Stream(game_type, chosen.kind, chosen.url, chosen.poster))
            if chosen.featured and chosen.widget_id is not None and featured is None:
                featured = game_type
        elif (found := _feed_stream(game_type, feed_streams.get(str(game_type)))) is not None:
            streams.append(found)
    if streams and featured is None:
        featured = streams[0].game_type
    return StreamPlan(tuple(streams), featured)


def _sources(widget: Widget, game_types: list[int]) -> list[StreamSource]:
    owner = StreamSource.objects.filter(widget__isnull=True)
    if widget.pk is not None:
        owner = StreamSource.objects.filter(widget=widget) | owner
    return list(owner.filter(game_type__in=game_types, enabled=True))


_kept: OrderedDict[tuple[int | None, tuple[int, ...]], tuple[float, StreamPlan]] = OrderedDict()


async def stream_plan(widget: Widget) -> StreamPlan:
    """The widget's streams now (kept ``KEEP_FOR`` seconds); no streams if the store is away."""
    game_types = widget.game_type_list()
    key = (widget.pk, tuple(game_types))
    now = time.monotonic()
    kept = _kept.get(key)
    if kept is not None and now - kept[0] < KEEP_FOR:
        return kept[1]
    sources = await database_sync_to_async(_sources)(widget, game_types)
    try:
        feed_streams = (await get_store().get_many([STREAMS_KEY])).get(STREAMS_KEY) or {}
    except Exception:  # the state store is away: configured sources still play
        feed_streams = {}
    plan = plan_for(game_types, sources, feed_streams)
    _kept.pop(key, None)
    _kept[key] = (now, plan)
    while len(_kept) > MAX_KEPT:
        _kept.popitem(last=False)
    return plan


def forget_all() -> None:
    """Drop every kept plan (a source was saved or deleted in this process)."""
    _kept.clear()
