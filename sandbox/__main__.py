"""Run the BETCORE sandbox on its own: ``python -m sandbox --port 5099``.

``python -m sandbox control URL ACTION [key=value ...]`` turns a running
sandbox's knobs (drop, drop_pushes, pause, resume, refuse, malformed, oversized, hostile, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import urllib.request
from typing import Any

from sandbox.replay import load_recording
from sandbox.server import DEFAULT_API_BASE, DEFAULT_HUB_PATH, DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox
from sandbox.variants import Variants, parse_variant_options


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Local BETCORE Feed sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=None, help="fixed seed for a reproducible run")
    parser.add_argument("--speed", type=float, default=1.0, help="simulation speed factor (2 = rounds twice as fast)")
    parser.add_argument("--token-lifetime", type=float, default=3600.0, help="JWT lifetime in seconds")
    parser.add_argument("--partner-id", type=int, default=DEFAULT_PARTNER_ID)
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--api-base", default=DEFAULT_API_BASE)
    parser.add_argument("--hub-path", default=DEFAULT_HUB_PATH)
    parser.add_argument("--push-interval", type=float, default=0.5)
    parser.add_argument("--ping-interval", type=float, default=15.0)
    parser.add_argument("--client-timeout", type=float, default=30.0)
    parser.add_argument("--hostile", action="store_true", help="HTML/script strings in translations and results")
    parser.add_argument("--payload-as-string", action="store_true", help="push payloads as JSON strings")
    parser.add_argument("--push-target", default="SubOnWholeGamesInfo", help="client method name of the pushes")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an undocumented choice made differently, e.g. negotiate=false, token_in=query, "
        "sid_scope=subscription, shared_round_ids=true, results_in_push=true, result_shape=unknown, "
        "info_shape=nested|inline, jackpots_shape=amount|object|currency_rows, translation_ids=string",
    )
    parser.add_argument("--replay", metavar="PROBE.jsonl", help="serve a recording made by manage.py betcore_probe")
    parser.add_argument("--no-streams", action="store_true", help="a data-only feed: no live stream per game type")
    return parser


async def serve(options: argparse.Namespace, variants: Variants) -> None:
    sandbox = Sandbox(
        streams=not options.no_streams,
        seed=options.seed,
        speed=options.speed,
        token_lifetime=options.token_lifetime,
        partners={options.partner_id: options.secret},
        host=options.host,
        port=options.port,
        api_base=options.api_base,
        hub_path=options.hub_path,
        push_interval=options.push_interval,
        ping_interval=options.ping_interval,
        client_timeout=options.client_timeout,
        hostile=options.hostile,
        payload_as_string=options.payload_as_string,
        push_target=options.push_target,
        variants=variants,
        replay=load_recording(options.replay) if options.replay else None,
    )
    await sandbox.serve()
    print(
        f"BETCORE sandbox\n  REST: {sandbox.api_url}\n  hub:  {sandbox.hub_url}\n"
        f"  controls: {sandbox.base_url}/_sandbox/control",
        flush=True,
    )
    await asyncio.Event().wait()


def control(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m sandbox control http://127.0.0.1:5099 ACTION [key=value ...]", file=sys.stderr)
        return 2
    url, action, *pairs = argv
    body: dict[str, Any] = {"action": action}
    for pair in pairs:
        key, _, value = pair.partition("=")
        body[key] = json.loads(value) if value[:1] in "0123456789-[{tfn" else value
    request = urllib.request.Request(
        url.rstrip("/") + "/_sandbox/control", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            print(response.read().decode())
    except urllib.error.HTTPError as error:
        print(error.read().decode(), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["control"]:
        return control(argv[1:])
    parser = serve_parser()
    options = parser.parse_args(argv)
    try:
        variants = parse_variant_options(options.variant)
    except ValueError as error:
        parser.error(str(error))
    if options.replay:
        try:
            load_recording(options.replay)
        except (OSError, ValueError) as error:
            parser.error(f"cannot replay {options.replay}: {error}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(options, variants))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
