"""Re-record the probe fixture the replay test serves: ``python scripts/record_sandbox_probe.py``.

Runs ``betcore.probe.Probe`` against a fast local sandbox (rounds finish within the
recording, so lrId moves and /games/info answers are captured) and writes
``tests/fixtures/probe-sandbox.jsonl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from betcore.probe import Probe
from betcore.probe_report import analyse, report
from sandbox import DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "probe-sandbox.jsonl"


def main() -> int:
    with Sandbox(seed=11, speed=4.0, ping_interval=1.0) as sandbox, OUT.open("w", encoding="utf-8") as out:
        probe = Probe(
            sandbox.api_url,
            sandbox.hub_url,
            DEFAULT_PARTNER_ID,
            DEFAULT_SECRET,
            seconds=24.0,
            trial_seconds=1.0,
            out=out,
            game_types=[1, 3],
        )
        records = probe.run()
    print(report(analyse(records)))
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
