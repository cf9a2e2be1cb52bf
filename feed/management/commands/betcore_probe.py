"""``python manage.py betcore_probe``: first contact with a BETCORE feed, recorded and explained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from betcore.probe import Probe
from betcore.probe_report import analyse, read_recording, replay_problem, report


class Command(BaseCommand):
    help = (
        "Try every way of connecting to BETCORE with the configured credentials, record what arrives "
        "(credentials redacted) and print what the feed looks like. Exits 1, saying why, when the recording "
        "cannot be replayed (python -m sandbox --replay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds",
            type=float,
            default=60.0,
            help="recording time in the first mode that streamed, after the connection trials (default 60)",
        )
        parser.add_argument("--trial-seconds", type=float, default=5.0, help="time per connection mode tried")
        parser.add_argument("--out", default="probe.jsonl", help="JSON lines recording (default probe.jsonl)")
        parser.add_argument("--game-types", help="comma-separated ids to subscribe (default: every translated type)")
        parser.add_argument("--sandbox", action="store_true", help="probe a local sandbox instead of BETCORE")
        parser.add_argument("--report", metavar="RECORDING", help="only print the report of an earlier recording")
        parser.add_argument("--json", action="store_true", help="print the analysis as JSON instead of text")

    def handle(self, *args: object, **options: object) -> None:
        if options["report"]:
            path = Path(str(options["report"]))
            try:
                records = read_recording(path.read_text(encoding="utf-8").splitlines())
            except (OSError, ValueError) as error:
                raise CommandError(f"cannot read {path}: {error}") from None
            self._print(records, bool(options["json"]))
            return
        api_url, hub_url, partner, secret = self._upstream(bool(options["sandbox"]))
        game_types = None
        if options["game_types"]:
            try:
                game_types = [int(t) for t in str(options["game_types"]).split(",") if t.strip()]
            except ValueError:
                raise CommandError("--game-types takes ids like 3,1,5") from None
        seconds, trial = float(options["seconds"]), float(options["trial_seconds"])  # type: ignore[arg-type]
        if seconds <= 0 or trial <= 0:
            raise CommandError("--seconds and --trial-seconds must be positive")
        out_path = Path(str(options["out"]))
        with out_path.open("w", encoding="utf-8") as out:
            probe = Probe(
                api_url,
                hub_url,
                partner,
                secret,
                seconds=seconds,
                trial_seconds=trial,
                out=out,
                game_types=game_types,
                log=lambda text: self.stderr.write(text),
            )
            records = probe.run()
        self.stderr.write(f"recording written to {out_path}")
        self._print(records, bool(options["json"]))
        problem = replay_problem(records)
        if problem:
            self.stderr.write(f"the recording cannot be replayed: {problem}")
            sys.exit(1)

    def _print(self, records: list, as_json: bool) -> None:
        analysis = analyse(records)
        self.stdout.write(json.dumps(analysis, indent=2, default=str) if as_json else report(analysis))

    def _upstream(self, sandbox: bool) -> tuple[str, str, int, str]:
        if sandbox:
            from feed.runtime import start_local_sandbox

            upstream = start_local_sandbox()
        elif settings.BETCORE_USE_SANDBOX:
            raise CommandError("no BETCORE credentials configured: set the four BETCORE_* variables, or pass --sandbox")
        else:
            from feed.runtime import configured_upstream

            configured = configured_upstream()
            assert configured is not None  # BETCORE_USE_SANDBOX is off
            upstream = configured
        return upstream.api_url, upstream.hub_url, upstream.partner_id, upstream.secret
