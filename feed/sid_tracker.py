"""Which pushes never arrived, told from ``sId`` whatever BETCORE's counter counts.

BETCORE's documentation (docs/betcore.md) does not say whether one ``sId`` counter
serves every subscription of a partner (each subscription then sees steps of N with N subscriptions) or each
subscription counts on its own (steps of 1). Both are plausible, and the sandbox can
do either (``sid_scope``). So the tracker reads every sId both ways at once: as one
sequence over all pushes, and as one sequence per subscription. In normal operation
one reading finds nothing wrong and the other finds something at almost every push;
the reading with fewer anomalies is the one reported, so a push really lost counts
once whichever way the counter works, and normal operation counts nothing.

A gap is an sId that never arrived: one the sequence moved ``window`` past without it.
An sId that comes late but within the window was reordered, not lost. A repeat is an
sId received again, or a counter that went back. sIds are information only: nothing
here decides whether a push is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REORDER_WINDOW = 8  # sIds a late push may trail the newest one by and still count as arrived

SHARED = "one counter for all subscriptions"
PER_SUBSCRIPTION = "one counter per subscription"
UNKNOWN = "not known yet"


@dataclass
class Sequence:
    """One sId counter as received: the highest value, and what is missing below it."""

    window: int = REORDER_WINDOW
    highest: int | None = None
    missing: set[int] = field(default_factory=set)  # never more than ``window`` values
    gaps: int = 0  # sIds given up on
    repeats: int = 0

    def observe(self, sid: int) -> None:
        if self.highest is None:
            self.highest = sid
        elif sid > self.highest:
            self._skip(self.highest + 1, sid)
            self.highest = sid
        elif sid in self.missing:
            self.missing.discard(sid)  # late, not lost
        else:
            self.repeats += 1
            if sid < self.highest - self.window:  # the counter went back (restarted): follow it
                self.settle()
                self.highest = sid
        self._give_up_below(self.highest - self.window)

    def settle(self) -> None:
        """Give up on every sId still missing (the connection ended: none can come now)."""
        self.gaps += len(self.missing)
        self.missing.clear()

    @property
    def anomalies(self) -> int:
        return self.gaps + len(self.missing) + self.repeats

    def _skip(self, first: int, end: int) -> None:
        # Values already out of the window are counted at once, never stored: a hostile
        # or restarted counter jumping by millions costs no memory.
        keep_from = max(first, end - self.window)
        self.gaps += keep_from - first
        self.missing.update(range(keep_from, end))

    def _give_up_below(self, limit: int) -> None:
        lost = {sid for sid in self.missing if sid < limit}
        if lost:
            self.gaps += len(lost)
            self.missing -= lost


class SidTracker:
    """Counts sId gaps and repeats of one hub connection after another; counts only grow."""

    def __init__(self, window: int = REORDER_WINDOW) -> None:
        self.window = window
        self.gaps = 0  # reported, over every connection so far
        self.repeats = 0
        self._shared = Sequence(window)
        self._per_subscription: dict[tuple[int, ...], Sequence] = {}
        self._before = (0, 0)  # gaps and repeats of earlier connections

    def observe(self, subscription: tuple[int, ...], sid: int) -> tuple[int, int]:
        """Note one push of ``subscription`` (its game types); returns the gaps and repeats it newly shows."""
        # One tick of a shared counter may reach us in any order of its subscriptions.
        self._shared.window = max(self.window, 2 * (len(self._per_subscription) + 1))
        self._shared.observe(sid)
        self._per_subscription.setdefault(subscription, Sequence(self.window)).observe(sid)
        return self._report()

    def restart(self) -> tuple[int, int]:
        """A new connection: counters may restart with it, so nothing is compared across it."""
        for sequence in self._readings():
            sequence.settle()
        found = self._report()
        self._before = (self.gaps, self.repeats)
        self._shared = Sequence(self.window)
        self._per_subscription = {}
        return found

    @property
    def counter(self) -> str:
        """What the sIds of this connection look like: SHARED, PER_SUBSCRIPTION or UNKNOWN."""
        shared = self._shared.anomalies
        separate = sum(s.anomalies for s in self._per_subscription.values())
        if shared == separate:
            return UNKNOWN  # one subscription, or nothing to tell them apart yet
        return SHARED if shared < separate else PER_SUBSCRIPTION

    @property
    def last(self) -> dict[tuple[int, ...], int | None]:
        """The highest sId of each subscription on this connection."""
        return {subscription: s.highest for subscription, s in self._per_subscription.items()}

    def _readings(self) -> list[Sequence]:
        return [self._shared, *self._per_subscription.values()]

    def _report(self) -> tuple[int, int]:
        chosen = [self._shared] if self.counter != PER_SUBSCRIPTION else list(self._per_subscription.values())
        gaps = self._before[0] + sum(s.gaps for s in chosen)
        repeats = self._before[1] + sum(s.repeats for s in chosen)
        # The chosen reading may change while the evidence is thin; reported counts never go back.
        new_gaps, new_repeats = max(0, gaps - self.gaps), max(0, repeats - self.repeats)
        self.gaps += new_gaps
        self.repeats += new_repeats
        return new_gaps, new_repeats
