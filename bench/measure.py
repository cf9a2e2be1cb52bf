"""One measured run for bench/fanout.py: N sockets from loader processes against one stack.

Latency is from the sandbox's send time (``tst``) to arrival at each client; delivered
vs expected counts each (game, ``tst``) message once per viewer; cost is the serving
processes' CPU time and resident memory (loaders are reported, never charged).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import time
from pathlib import Path

import psutil

from bench.loader import loader_main
from bench.metrics import gc_pauses, hop_buckets, hop_table

ROOT = Path(__file__).resolve().parent.parent
EDGE_MS = 1500  # ignore messages sent this close to the window's edges (partly measured)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pids: list[int]) -> float:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids) / 2**20


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU time so far; the difference over a window is what the window cost."""
    return sum(times.user + times.system for times in (process.cpu_times() for process in processes))


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
    """Connect ``viewers`` sockets over ``urls``, measure a window, close them. ``pids`` are the
    serving processes by group (web, worker, redis; or relay): all of them are charged the cost."""
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
    gc_before = gc_pauses(metrics_urls) if metrics_urls else None
    hops_before = hop_buckets(metrics_urls) if metrics_urls else None
    cpu_before = {name: cpu_seconds(group) for name, group in processes.items()}
    window_start = time.time() * 1000
    for loader in loaders:
        loader.command("measure")
    time.sleep(options.seconds)
    # CPU seconds per group over the window as measured: the percentages and the cost per message both come from it.
    cpu_used = {name: cpu_seconds(group) - cpu_before[name] for name, group in processes.items()}
    rss_busy = {name: rss_mb(p) for name, p in pids.items()}
    window_end = time.time() * 1000
    cpu = {name: used * 100 / ((window_end - window_start) / 1000) for name, used in cpu_used.items()}
    serving_cpu = sum(used for name, used in cpu_used.items() if name != "loaders")
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
        # Every game message a viewer received in the window (one per latency sample), so the
        # CPU the servers spent in the same window divides by what it bought.
        "cpu_us_per_message": serving_cpu * 1e6 / max(1, len(latencies)),
        "cpu_us_per_message_by_group": {name: used * 1e6 / max(1, len(latencies)) for name, used in cpu_used.items()},
        "rss_before": rss_before,
        "rss_idle": rss_idle,
        "rss_busy": rss_busy,
        # Growth of all serving processes from before the first client to the window's end, per viewer.
        "kb_per_viewer": (sum(rss_busy.values()) - sum(rss_before.values())) * 1024 / viewers,
        "gc": (gc_after[0] - gc_before[0], gc_after[1] - gc_before[1], gc_after[2]) if gc_before else None,
        "hops": hops,
    }
