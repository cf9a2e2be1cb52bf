"""The shapes of audience figures: what a web process batches, and what a chart reads."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SLOT = 30  # seconds: each web process counts its viewers once per slot, at the same wall-clock instants
BUCKET = 300  # seconds: figures are kept per five minutes
KEEP = 14 * 24 * 3600  # seconds: buckets older than 14 days are dropped
SLOTS_PER_BUCKET = BUCKET // SLOT
VIEWERS = 0  # the game type of the viewer rows (every viewer sees all of a widget's game types)


def bucket_of(at: float) -> int:
    """The start (Unix seconds) of the five minutes holding ``at``."""
    return int(at // BUCKET) * BUCKET


def slot_of(at: float) -> int:
    return int(at // SLOT) * SLOT


@dataclass
class Batch:
    """What one process writes in one go: viewer samples per slot and taps per bucket."""

    viewers: dict[tuple[str, int], int] = field(default_factory=dict)  # (public id, slot start) -> viewers
    taps: Counter[tuple[str, int, int]] = field(default_factory=Counter)  # (public id, game type, bucket) -> taps

    def __bool__(self) -> bool:
        return bool(self.viewers or self.taps)

    def merge(self, other: Batch) -> None:
        for key, count in other.viewers.items():
            self.viewers[key] = self.viewers.get(key, 0) + count
        self.taps.update(other.taps)

    def drop_before(self, oldest: int) -> None:
        self.viewers = {key: count for key, count in self.viewers.items() if key[1] >= oldest}
        self.taps = Counter({key: count for key, count in self.taps.items() if key[2] >= oldest})

    def size(self) -> int:
        return len(self.viewers) + len(self.taps)


@dataclass
class Bucket:
    """Five minutes of one widget as stored: viewer samples summed, the highest sample, taps per game type."""

    start: int
    viewer_peak: int = 0
    viewer_sum: int = 0
    taps: dict[int, int] = field(default_factory=dict)

    def average(self, now: float) -> float:
        """Mean viewers over the slots this bucket has lived so far (all ten once it is over)."""
        lived = min(SLOTS_PER_BUCKET, max(1, int((now - self.start) // SLOT) + 1))
        return self.viewer_sum / lived

    def tap_total(self) -> int:
        return sum(self.taps.values())
