"""Fan-out benchmark: N widget sockets on our stack and on relays a team might pick instead.

    .venv/bin/python bench/fanout.py --viewers 1000 5000 10000 --web 2 --loaders 2 --seconds 30
    .venv/bin/python bench/fanout.py --viewers 1000 --seconds 10 --stacks ours,node-ws

Starts the sandbox, PostgreSQL, Redis and one feed worker, then for each N and each
stack (bench/stacks.py: ours on W daphne processes, and W processes of the `websockets`
reference, the Node `ws` relay and the `picows` relay, every one fresh for that N) opens
N sockets from the same loader processes against the same feed and measures, over a
window: latency from the sandbox's send time (``tst``) to arrival at each client,
messages delivered against expected, CPU of the serving processes (percent of one core,
and CPU-microseconds per delivered game message), resident memory (total, and growth
per viewer from before the first client connected) and bytes per viewer per minute.
Needs Redis and PostgreSQL on 127.0.0.1, and `make bench` for picows and Node `ws` 8.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fd import raise_limit  # noqa: E402
from bench.measure import LOADERS, measure  # noqa: E402
from bench.metrics import HOPS  # noqa: E402
from bench.stacks import OPTIONAL_STACKS, STACKS, Running, start_ours, start_relay, versions  # noqa: E402
from tests.live import wait_live  # noqa: E402
from tests.processes import Cluster  # noqa: E402

COLUMNS = (
    "stack|viewers|p50 ms|p95 ms|p99 ms|max ms|delivered/expected|CPU (% of one core)|"
    "serving CPU µs per delivered msg|RSS MB|serving KB per viewer|bytes/viewer/min"
)


def row(name: str, r: dict) -> str:
    cpu = " ".join(f"{k} {v:.0f}%" for k, v in r["cpu"].items())
    rss = " ".join(f"{k} {v:.0f}" for k, v in r["rss_busy"].items())
    return (
        f"| {name} | {r['viewers']:,} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | "
        f"{r['delivered']:,}/{r['expected']:,} | {cpu} | {r['cpu_us_per_message']:,.1f} | {rss} | "
        f"{r['kb_per_viewer']:,.1f} | {r['bytes_per_viewer_minute']:,.0f} |"
    )


def stack_list(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = set(chosen) - set(STACKS) - set(OPTIONAL_STACKS)
    if unknown or not chosen:
        known = ",".join(STACKS + OPTIONAL_STACKS)
        raise argparse.ArgumentTypeError(f"choose from {known}; not {','.join(sorted(unknown))}")
    return chosen


def summary(results: list[dict]) -> None:
    """Per N: ours against each peer (p99 ratio, bytes), and our GC pauses and idle memory."""
    for result in results:
        n, runs = result["n"], result["runs"]
        ours = runs.get("ours")
        parts = []
        if ours:
            per_1000 = (ours["rss_idle"]["web"] - ours["rss_before"]["web"]) / (n / 1000)
            parts.append(f"web RSS per 1,000 idle viewers {per_1000:.1f} MB")
            # The worker and Redis cost the same at any N: the web processes alone are what grows with it.
            web_us = ours["cpu_us_per_message_by_group"]["web"]
            parts.append(f"web processes alone {web_us:.1f} CPU-µs per delivered message")
            if ours["gc"]:
                count, total, longest = ours["gc"]
                parts.append(f"full GCs in the web processes during the window: {count:.0f}, {total * 1000:.0f} ms")
                if longest:
                    parts.append(f"the longest since start under {longest * 1000:.0f} ms")
            for key, peer in runs.items():
                if key != "ours":
                    parts.append(
                        f"vs {key}: p99 ratio {ours['p99'] / peer['p99']:.2f}, "
                        f"{peer['bytes_per_viewer_minute'] / max(1, ours['bytes_per_viewer_minute']):.1f}x fewer bytes"
                    )
        if parts:
            print(f"N={n:,}: " + "; ".join(parts))


def hop_lines(results: list[dict]) -> None:
    rows = [(r["n"], r["runs"]["ours"]) for r in results if r["runs"].get("ours", {}).get("hops")]
    if not rows:
        return
    print("\nWhere the time goes, per hop of a game message (ms; from the web processes' feed_hop_seconds):\n")
    print("| viewers | " + " | ".join(f"{hop} p50 / p99" for hop in HOPS) + " | client p50 / p99 |")
    print("|---|" + "---|" * (len(HOPS) + 1))
    for n, ours in rows:
        cells = " | ".join(f"{p50:.1f} / {p99:.1f}" for p50, p99, _ in ours["hops"].values())
        print(f"| {n:,} | {cells} | {ours['p50']:.0f} / {ours['p99']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--web", type=int, default=2, help="daphne processes, and processes of each relay")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=30.0, help="measurement window per run")
    parser.add_argument("--speed", type=float, default=1.0, help="sandbox simulation speed (cadence stays 500 ms)")
    parser.add_argument("--client", choices=sorted(LOADERS), default="node", help="load-generator implementation")
    parser.add_argument("--layer", choices=["pubsub", "core"], default="pubsub", help="channels-redis layer")
    parser.add_argument(
        "--stacks",
        type=stack_list,
        default=list(STACKS),
        help=f"comma-separated: {','.join(STACKS)} (the default), {','.join(OPTIONAL_STACKS)}",
    )
    parser.add_argument("--skip-reference", action="store_true", help="only ours (same as --stacks ours)")
    options = parser.parse_args()
    stacks = ["ours"] if options.skip_reference else options.stacks

    hard = raise_limit()
    memory = psutil.virtual_memory().total / 2**30
    print(f"machine: {platform.platform()}, {psutil.cpu_count()} cores, {memory:.0f} GiB")
    print(f"versions: {versions()}")
    print(
        f"file descriptors: {hard}; window {options.seconds:.0f} s per run; {options.web} processes per stack "
        f"(fresh for each N); 1 feed worker; {options.layer} channel layer; "
        f"{options.loaders} {options.client} loader processes\n"
    )
    logdir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    settings = {"core": {"DJANGO_SETTINGS_MODULE": "bench.core_layer_settings"}}.get(options.layer, {})
    cluster = Cluster(logdir, speed=options.speed, env=settings)
    running: Running | None = None
    try:
        worker = cluster.worker("worker")
        asyncio.run(wait_live(cluster, timeout=30))  # a run without the feed would measure nothing
        ours_label = "ours" if options.layer == "pubsub" else "ours, core layer"
        header = "| " + " | ".join(COLUMNS.split("|")) + " |"
        print(header)
        print("|" + "---|" * len(COLUMNS.split("|")), flush=True)
        results = []
        for viewers in options.viewers:
            runs = {}
            for key in stacks:
                if key == "ours":
                    running = start_ours(cluster, options.web, worker, ours_label)
                else:
                    running = start_relay(key, cluster.sandbox_url, options.web)
                label = running.label
                try:
                    runs[key] = measure(
                        running.urls, running.origins, viewers, options, running.raw, running.pids, running.metrics_urls
                    )
                finally:
                    running.stop()
                    running = None
                print(row(label, runs[key]), flush=True)
                if runs[key]["hops"]:
                    hops = ", ".join(f"{hop} {p50:.1f}/{p99:.1f}" for hop, (p50, p99, _) in runs[key]["hops"].items())
                    print(f"  hops p50/p99 ms: {hops}", flush=True)
            results.append({"n": viewers, "runs": runs})
        print()
        summary(results)
        hop_lines(results)
        print(f"\nlogs: {logdir}")
    finally:
        if running is not None:
            running.stop()
        cluster.close()


if __name__ == "__main__":
    main()
