"""Audience figures as small inline SVG charts for the admin: a few lines of markup, no charting library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from play.figures import BUCKET, Bucket, bucket_of

WIDTH, HEIGHT = 320, 56


@dataclass
class Point:
    """One step of a chart: five minutes (24 hours) or an hour (14 days)."""

    start: int
    step: int = BUCKET
    peak: int = 0
    average: float = 0.0
    taps: int = 0
    taps_by_game: dict[int, int] = field(default_factory=dict)

    @property
    def viewer_hours(self) -> float:
        return self.average * self.step / 3600

    @property
    def rate(self) -> float:
        """Taps per hour per 100 viewers (whatever the step); 0 without viewers."""
        return 100.0 * self.taps / self.viewer_hours if self.average > 0 else 0.0


def points(buckets: Sequence[Bucket], until: float, span: int, step: int) -> list[Point]:
    """``span`` seconds up to ``until`` in steps of ``step`` seconds; a step's average is its buckets' mean."""
    last = bucket_of(until)
    first = last - span + BUCKET
    start_of = lambda at: first + (at - first) // step * step  # noqa: E731
    steps = {start: Point(start, step) for start in range(first, last + 1, step)}
    per_step = step // BUCKET
    for bucket in buckets:
        if not first <= bucket.start <= last:
            continue
        point = steps[start_of(bucket.start)]
        point.peak = max(point.peak, bucket.viewer_peak)
        point.average += bucket.average(until) / per_step
        point.taps += bucket.tap_total()
        for game_type, taps in bucket.taps.items():
            point.taps_by_game[game_type] = point.taps_by_game.get(game_type, 0) + taps
    return list(steps.values())


def _xy(values: Sequence[float], top: float) -> list[tuple[float, float]]:
    count = max(1, len(values) - 1)
    return [(round(i * WIDTH / count, 1), round(HEIGHT - (v / top) * (HEIGHT - 2), 1)) for i, v in enumerate(values)]


def line_chart(label: str, values: Sequence[float], under: Sequence[float] | None = None) -> SafeString:
    """A line (and optionally a filled area under a second series) scaled to the larger maximum."""
    top = max([*values, *(under or []), 1])
    area = ""
    if under is not None:
        path = " ".join(f"{x},{y}" for x, y in _xy(under, top))
        area = format_html(
            '<polygon class="bw-chart-area" fill="currentColor" fill-opacity="0.2" points="0,{} {} {},{}"/>',
            HEIGHT,
            path,
            WIDTH,
            HEIGHT,
        )
    line = " ".join(f"{x},{y}" for x, y in _xy(values, top))
    polyline = '<polyline class="bw-chart-line" fill="none" stroke="currentColor" stroke-width="1.5" points="{}"/>'
    return _svg(label, top, format_html("{}" + polyline, area, line))


def bar_chart(label: str, values: Sequence[float]) -> SafeString:
    top = max([*values, 1])
    width = WIDTH / max(1, len(values))
    bars = format_html_join(
        "",
        '<rect class="bw-chart-bar" fill="currentColor" x="{}" y="{}" width="{}" height="{}"/>',
        (
            (round(i * width, 1), round(HEIGHT - h, 1), round(max(width - 0.5, 0.5), 1), round(h, 1))
            for i, value in enumerate(values)
            if value > 0
            for h in [max(1.0, value / top * (HEIGHT - 2))]
        ),
    )
    return _svg(label, top, bars)


def _svg(label: str, top: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="bw-chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
        '<title>{}</title><line class="bw-chart-axis" stroke="currentColor" stroke-opacity="0.3" '
        'x1="0" y1="{}" x2="{}" y2="{}"/>{}</svg>'
        '<span class="bw-chart-top">max {}</span>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        label,
        HEIGHT - 0.5,
        WIDTH,
        HEIGHT - 0.5,
        body,
        f"{top:g}" if top == int(top) else f"{top:.1f}",
    )
