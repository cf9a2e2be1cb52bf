"""Fan-out benchmark: N widget sockets over several daphne processes vs a `websockets` relay.

    .venv/bin/python bench/fanout.py --viewers 1000 5000 10000 --web 2 --loaders 2 --seconds 30

Starts the real scale-out stack (sandbox, PostgreSQL, Redis pub/sub layer, one feed
worker, W daphne processes), then for each N opens N sockets from separate loader
processes and measures, over a window, the latency from the sandbox's send time
(``tst``) to arrival at each client, messages delivered against expected, CPU and
resident memory of the servers, and bytes per viewer per minute. The same clients
are then pointed at the reference relay (bench/reference_relay.py) at the same N.
Needs Redis and PostgreSQL on 127.0.0.1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fd import raise_limit  # noqa: E402
from bench.loader import loader_main  # noqa: E402
from tests.processes import Cluster, free_port  # noqa: E402

EDGE_MS = 1500  # ignore messages sent this close to the window's edges (partly measured)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def redis_pids() -> list[int]:
    """The Redis server on 127.0.0.1:6379, so the channel layer's cost there is counted too."""
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"][:1]


def gc_pauses(metrics_urls: list[str]) -> tuple[float, float, float]:
    """Full (generation 2) collections of the web processes since start: count, total
    seconds, and the smallest bucket bound that holds the longest one (0 if none)."""
    count = total = longest = 0.0
    for url in metrics_urls:
        samples = [
            sample
            for family in text_string_to_metric_families(requests.get(url, timeout=5).text)
            if family.name == "python_gc_pause_seconds"
            for sample in family.samples
            if sample.labels.get("generation") == "2"
        ]
        here = sum(sample.value for sample in samples if sample.name.endswith("_count"))
        count += here
        total += sum(sample.value for sample in samples if sample.name.endswith("_sum"))
        bounds = [
            float(sample.labels["le"])
            for sample in samples
            if sample.name.endswith("_bucket") and sample.value >= here > 0 and sample.labels["le"] != "+Inf"
        ]
        longest = max(longest, min(bounds, default=0.0))
    return count, total, longest


HOPS = ("betcore", "worker", "layer", "queued", "first_write", "last_write")


def hop_buckets(metrics_urls: list[str]) -> dict[str, dict[float, float]]:
    """Cumulative bucket counts of feed_hop_seconds per hop, summed over the web processes."""
    buckets: dict[str, dict[float, float]] = {hop: {} for hop in HOPS}
    for url in metrics_urls:
        for family in text_string_to_metric_families(requests.get(url, timeout=5).text):
            if family.name != "feed_hop_seconds":
                continue
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.labels.get("hop") in buckets:
                    bound = float(sample.labels["le"])
                    hop = buckets[sample.labels["hop"]]
                    hop[bound] = hop.get(bound, 0.0) + sample.value
    return buckets


def bucket_quantile(cumulative: dict[float, float], q: float) -> float:
    """The q-quantile in ms from cumulative histogram buckets, linear within the bucket (as PromQL does)."""
    bounds = sorted(cumulative)
    total = cumulative.get(float("inf"), 0.0)
    if not total:
        return float("nan")
    rank, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound in bounds:
        count = cumulative[bound]
        if count >= rank:
            if bound == float("inf"):
                return previous_bound * 1000
            share = (rank - previous_count) / max(count - previous_count, 1e-9)
            return (previous_bound + (bound - previous_bound) * share) * 1000
        previous_bound, previous_count = bound, count
    return float("nan")


def hop_table(before: dict[str, dict[float, float]], after: dict[str, dict[float, float]]) -> dict[str, tuple]:
    """p50/p99 per hop (ms) over the window: the difference of two scrapes."""
    table = {}
    for hop in HOPS:
        window = {bound: count - before[hop].get(bound, 0.0) for bound, count in after[hop].items()}
        table[hop] = (bucket_quantile(window, 0.5), bucket_quantile(window, 0.99), window.get(float("inf"), 0.0))
    return table


def rss_mb(pids: list[int]) -> float:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids) / 2**20


class PythonLoader:
    """bench/loader.py in a spawned process (the clients of the first runs; heavier per frame)."""

    def __init__(self, urls: list[str], origins: dict[str, str], count: int, raw: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.results, self.commands = context.Queue(), context.Queue()
        self.process = context.Process(
            target=loader_main, args=(urls, origins, count, raw, self.commands, self.results), daemon=True
        )
        self.process.start()
        self.pids = [self.process.pid]

    def ready(self) -> dict:
        return self.results.get(timeout=600)

    def command(self, word: str) -> None:
        self.commands.put(word)

    def result(self) -> dict:
        result = self.results.get(timeout=600)
        self.process.join(30)
        return result


class NodeLoader:
    """bench/loader.js: the same clients on Node's ws, a few microseconds per frame."""

    def __init__(
        self, urls: list[str], origins: dict[str, str], count: int, raw: bool, reconnect: bool = False
    ) -> None:
        spec = json.dumps({"urls": urls, "origins": origins, "count": count, "raw": raw, "reconnect": reconnect})
        self.process = subprocess.Popen(
            ["node", str(ROOT / "bench" / "loader.js"), spec],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pids = [self.process.pid]

    def ready(self) -> dict:
        return json.loads(self.process.stdout.readline() or '{"error": "loader exited", "connected": 0}')

    def command(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def result(self) -> dict:
        result = json.loads(self.process.stdout.readline())
        self.process.wait(30)
        return result

    def recovery(self) -> dict:
        self.command("recovery")
        return json.loads(self.process.stdout.readline())


LOADERS = {"node": NodeLoader, "python": PythonLoader}


def measure(
    urls: list[str],
    origins: dict[str, str],
    viewers: int,
    options: argparse.Namespace,
    raw: bool,
    pids: dict[str, list[int]],
    metrics_urls: list[str] | None = None,
) -> dict:
    share = [viewers // options.loaders + (1 if i < viewers % options.loaders else 0) for i in range(options.loaders)]
    rss_before = {name: rss_mb(p) for name, p in pids.items()}
    started = time.monotonic()
    loaders = [LOADERS[options.client](urls, origins, count, raw) for count in share]
    for loader in loaders:
        ready = loader.ready()
        if "error" in ready:
            raise RuntimeError(f"loader failed after {ready['connected']} connections: {ready['error']}")
    connect_seconds = time.monotonic() - started
    time.sleep(2)
    rss_idle = {name: rss_mb(p) for name, p in pids.items()}
    watched = {**pids, "loaders": [pid for loader in loaders for pid in loader.pids]}
    processes = {name: [psutil.Process(pid) for pid in p] for name, p in watched.items()}
    for group in processes.values():
        for process in group:
            process.cpu_percent(None)
    gc_before = gc_pauses(metrics_urls) if metrics_urls else None
    hops_before = hop_buckets(metrics_urls) if metrics_urls else None
    window_start = time.time() * 1000
    for loader in loaders:
        loader.command("measure")
    time.sleep(options.seconds)
    cpu = {name: sum(process.cpu_percent(None) for process in group) for name, group in processes.items()}
    rss_busy = {name: rss_mb(p) for name, p in pids.items()}
    window_end = time.time() * 1000
    gc_after = gc_pauses(metrics_urls) if metrics_urls else None
    hops = hop_table(hops_before, hop_buckets(metrics_urls)) if metrics_urls and hops_before else None
    for loader in loaders:
        loader.command("stop")
    parts = [loader.result() for loader in loaders]
    latencies = [lat for part in parts for lat in part["latencies"]]
    per_viewer = [set(map(tuple, keys)) for part in parts for keys in part["keys_per_viewer"]]
    inside = lambda key: window_start + EDGE_MS <= key[1] <= window_end - EDGE_MS  # noqa: E731
    expected_keys = {key for keys in per_viewer for key in keys if inside(key)}
    delivered = sum(len({key for key in keys if inside(key)}) for keys in per_viewer)
    elapsed = statistics.mean(part["elapsed"] for part in parts)
    return {
        "viewers": viewers,
        "connect_s": connect_seconds,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "samples": len(latencies),
        "expected": len(expected_keys) * viewers,
        "delivered": delivered,
        "bytes_per_viewer_minute": sum(part["bytes"] for part in parts) / viewers / (elapsed / 60),
        "cpu": cpu,
        "rss_before": rss_before,
        "rss_idle": rss_idle,
        "rss_busy": rss_busy,
        "gc": (gc_after[0] - gc_before[0], gc_after[1] - gc_before[1], gc_after[2]) if gc_before else None,
        "hops": hops,
    }


def row(name: str, r: dict) -> str:
    cpu = " ".join(f"{k} {v:.0f}%" for k, v in r["cpu"].items())
    rss = " ".join(f"{k} {v:.0f}" for k, v in r["rss_busy"].items())
    return (
        f"| {name} | {r['viewers']:,} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | "
        f"{r['delivered']:,}/{r['expected']:,} | {cpu} | {rss} | {r['bytes_per_viewer_minute']:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--web", type=int, default=2, help="daphne processes")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--seconds", type=float, default=30.0, help="measurement window per run")
    parser.add_argument("--speed", type=float, default=1.0, help="sandbox simulation speed (cadence stays 500 ms)")
    parser.add_argument("--client", choices=sorted(LOADERS), default="node", help="load-generator implementation")
    parser.add_argument("--layer", choices=["pubsub", "core"], default="pubsub", help="channels-redis layer")
    parser.add_argument("--skip-reference", action="store_true")
    options = parser.parse_args()

    hard = raise_limit()
    memory = psutil.virtual_memory().total / 2**30
    cores, python = psutil.cpu_count(), platform.python_version()
    print(f"machine: {platform.platform()}, {cores} cores, {memory:.0f} GiB, Python {python}")
    print(
        f"file descriptors: {hard}; window {options.seconds:.0f} s per run; "
        f"{options.web} daphne + 1 worker; {options.layer} channel layer; "
        f"{options.loaders} {options.client} loader processes\n"
    )
    logdir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    settings = {"core": {"DJANGO_SETTINGS_MODULE": "bench.core_layer_settings"}}.get(options.layer, {})
    cluster = Cluster(logdir, speed=options.speed, env=settings)
    relays: list = []
    try:
        worker = cluster.worker("worker")
        webs = [cluster.web(f"web-{i}") for i in range(options.web)]
        deadline = time.monotonic() + 30
        while b"live" not in (cluster.redis.get("betcore-feed:status") or b"") and time.monotonic() < deadline:
            time.sleep(0.2)
        urls = [f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/" for _, port in webs]
        origins = {url: f"http://127.0.0.1:{port}" for url, (_, port) in zip(urls, webs, strict=True)}
        pids = {"web": [proc.process.pid for proc, _ in webs], "worker": [worker.process.pid], "redis": redis_pids()}
        game_types = ["3", "1", "2", "5"]
        # Two relay processes when one cannot hold N sockets under the fd limit (named in the row).
        relay_count = 1 if max(options.viewers) + 1000 <= hard else 2
        relays = []
        if not options.skip_reference:
            for _ in range(relay_count):
                ref_port = free_port()
                relay = subprocess.Popen(
                    [
                        sys.executable,
                        str(ROOT / "bench" / "reference_relay.py"),
                        cluster.sandbox_url,
                        str(ref_port),
                        *game_types,
                    ],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                relay.stdout.readline()
                relays.append((relay, f"ws://127.0.0.1:{ref_port}/"))
        columns = "stack|viewers|p50 ms|p95 ms|p99 ms|max ms|delivered/expected|CPU|RSS MB|bytes/viewer/min"
        header = "| " + " | ".join(columns.split("|")) + " |"
        lines = [header, "|" + "---|" * 10]
        print(header)
        print(lines[1])
        summary = []
        for viewers in options.viewers:
            metrics_urls = [f"http://127.0.0.1:{port}/metrics" for _, port in webs]
            ours = measure(urls, origins, viewers, options, False, pids, metrics_urls)
            lines.append(row("ours" if options.layer == "pubsub" else "ours, core layer", ours))
            print(lines[-1], flush=True)
            if ours["hops"]:
                hops = ", ".join(f"{hop} {p50:.1f}/{p99:.1f}" for hop, (p50, p99, _) in ours["hops"].items())
                print(f"  hops p50/p99 ms: {hops}", flush=True)
            per_1000 = (ours["rss_idle"]["web"] - ours["rss_before"]["web"]) / (viewers / 1000)
            result = {"n": viewers, "ours": ours, "idle_mb_per_1000": per_1000}
            if relays:
                relay_urls = [url for _, url in relays]
                ref = measure(
                    relay_urls,
                    {url: "http://127.0.0.1" for url in relay_urls},
                    viewers,
                    options,
                    True,
                    {"relay": [relay.pid for relay, _ in relays]},
                )
                lines.append(row("websockets relay" + (f" ×{len(relays)}" if len(relays) > 1 else ""), ref))
                print(lines[-1], flush=True)
                result["ref"] = ref
            summary.append(result)
        print()
        for result in summary:
            ours = result["ours"]
            text = f"N={result['n']:,}: web RSS per 1,000 idle viewers {result['idle_mb_per_1000']:.1f} MB"
            if ours["gc"]:
                count, total, longest = ours["gc"]
                text += f"; full GCs in the web processes during the window: {count:.0f}, {total * 1000:.0f} ms in all"
                text += f" (the longest since start under {longest * 1000:.0f} ms)" if longest else ""
            if "ref" in result:
                ref = result["ref"]
                text += (
                    f"; p99 ratio ours/reference {ours['p99'] / ref['p99']:.2f}; "
                    f"bytes per viewer per minute {ours['bytes_per_viewer_minute']:,.0f} vs raw relay "
                    f"{ref['bytes_per_viewer_minute']:,.0f} "
                    f"({ref['bytes_per_viewer_minute'] / max(1, ours['bytes_per_viewer_minute']):.1f}x fewer)"
                )
            print(text)
        print("\nWhere the time goes, per hop of a game message (ms; from the web processes' feed_hop_seconds):\n")
        print("| viewers | " + " | ".join(f"{hop} p50 / p99" for hop in HOPS) + " | client p50 / p99 |")
        print("|---|" + "---|" * (len(HOPS) + 1))
        for result in summary:
            ours = result["ours"]
            if ours["hops"]:
                cells = " | ".join(f"{p50:.1f} / {p99:.1f}" for p50, p99, _ in ours["hops"].values())
                print(f"| {result['n']:,} | {cells} | {ours['p50']:.0f} / {ours['p99']:.0f} |")
        print(f"\nlogs: {logdir}")
    finally:
        for relay, _ in relays:
            relay.terminate()
        cluster.close()


if __name__ == "__main__":
    main()
