"""Which hub client-method names carry the games-info pushes.

BETCORE's docs do not name the client method pushes arrive under, so the supervisor
accepts ``SubOnWholeGamesInfo`` and, in auto mode, adopts another name the first time
an invocation under it carries games info. The bookkeeping and the judgement of a
payload are here, apart from the connection supervision in ``betcore.hub``, because
they depend only on what arrives, not on the connection it arrived on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from betcore.hub_stats import HubStats
from betcore.signalr_protocol import MAX_RECORD_BYTES

# The supervisor's logger: these messages are part of its story in the logs.
log = logging.getLogger("betcore.hub")

SUBSCRIPTION = "SubOnWholeGamesInfo"
MAX_TARGET_NAMES = 20  # distinct unknown method names remembered (a hostile hub cannot grow this)


def games_info_payload(arguments: Any) -> bool:
    """Whether an invocation's arguments look like a games-info push (an object with ``wgi``)."""
    first = arguments[0] if isinstance(arguments, list) and arguments else arguments
    if isinstance(first, str) and len(first) <= MAX_RECORD_BYTES:
        try:
            first = json.loads(first)
        except ValueError:
            return False
    return isinstance(first, dict) and isinstance(first.get("wgi"), list)


def adopt_push_target(stats: HubStats, accepted: set[str], target: str, arguments: Any, *, may_adopt: bool) -> bool:
    """An invocation under an unexpected name: count it; if ``may_adopt``, take it when it carries games info.

    An adopted name is added to ``accepted`` (lower case) and to ``stats.push_targets``.
    """
    counts = stats.unknown_targets
    key = target if target in counts or len(counts) < MAX_TARGET_NAMES else "(other)"
    counts[key] = counts.get(key, 0) + 1
    looks_like_push = games_info_payload(arguments)
    if looks_like_push and may_adopt:
        accepted.add(target.lower())
        stats.push_targets = (*stats.push_targets, target)
        log.warning(
            "games-info pushes arrive under the client method %r, not %r; using it "
            "(set BETCORE_PUSH_TARGET=%s to make this explicit)",
            target,
            SUBSCRIPTION,
            target,
        )
        return True
    if counts[key] == 1:
        log.warning("hub invoked client method %r, which is not a push target; ignored", target)
    if looks_like_push:
        stats.reason = (
            f"games-info pushes arrive under {target!r} but BETCORE_PUSH_TARGET accepts only "
            f"{', '.join(stats.push_targets)}"
        )
    return False
