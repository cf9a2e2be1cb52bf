"""What the admin reads: a widget's last 24 hours and 14 days, and every widget's taps today."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from play.charts import Point, bar_chart, line_chart, points
from play.figures import BUCKET
from play.stores import audience_store, local_day

DAY = 24 * 3600
RANGES = (("Last 24 hours", DAY, BUCKET, "5 minutes"), ("Last 14 days", 14 * DAY, 3600, "hour"))
TAPS_FRESH_FOR = 5.0  # the widget list asks once per row; one read serves them all


@dataclass
class Period:
    title: str
    step_words: str
    points: list[Point]

    @property
    def peak(self) -> int:
        return max((point.peak for point in self.points), default=0)

    @property
    def average(self) -> float:
        return sum(point.average for point in self.points) / max(1, len(self.points))

    @property
    def taps(self) -> int:
        return sum(point.taps for point in self.points)

    @property
    def rate(self) -> float:
        """Taps per hour per 100 viewers over the period."""
        viewer_hours = sum(point.viewer_hours for point in self.points)
        return 100.0 * self.taps / viewer_hours if viewer_hours else 0.0

    def taps_by_game(self) -> list[tuple[int, int]]:
        totals: dict[int, int] = {}
        for point in self.points:
            for game_type, taps in point.taps_by_game.items():
                totals[game_type] = totals.get(game_type, 0) + taps
        return sorted(totals.items())

    def charts(self) -> dict[str, SafeString]:
        return {
            "viewers": line_chart(
                f"Viewers per {self.step_words}, {self.title.lower()}: peak (line) and average (area)",
                [point.peak for point in self.points],
                [point.average for point in self.points],
            ),
            "taps": bar_chart(
                f"Taps on Play per {self.step_words}, {self.title.lower()}", [p.taps for p in self.points]
            ),
            "rate": line_chart(
                f"Taps per hour per 100 viewers, per {self.step_words}, {self.title.lower()}",
                [p.rate for p in self.points],
            ),
        }


async def periods(public_id: str, now: float) -> list[Period]:
    longest = max(span for _, span, _, _ in RANGES)
    buckets = await audience_store().buckets(public_id, int(now - longest), int(now))
    return [Period(title, words, points(buckets, now, span, step)) for title, span, step, words in RANGES]


def audience_html(public_id: str, now: float | None = None) -> SafeString:
    """The charts block of the widget's admin page (a note instead when the store cannot be read)."""
    now = time.time() if now is None else now
    try:
        found = async_to_sync(periods)(public_id, now)
    except Exception as error:
        return SafeString(render_to_string("play/audience.html", {"error": type(error).__name__}))
    return SafeString(render_to_string("play/audience.html", {"periods": found}))


_cached: tuple[float, Any, dict[str, int]] = (0.0, None, {})


def taps_today(now: float | None = None) -> dict[str, int]:
    """Taps per widget public id since midnight (site time zone), over every web process; cached briefly."""
    global _cached
    now = time.time() if now is None else now
    taken, day, counts = _cached
    today = local_day(now)
    if time.monotonic() - taken > TAPS_FRESH_FOR or day != today:
        try:
            counts = async_to_sync(audience_store().taps_on)(today)
        except Exception:  # the store is away: the list still works
            return {}
        _cached = (time.monotonic(), today, counts)
    return counts
