"""What one idle widget viewer costs a web process, and in which objects.

    .venv/bin/python bench/memory_census.py --viewers 2000

Starts the scale-out stack with one daphne process that carries a census hook
(bench/census_hook), takes a census before and after N idle viewers connect (Node
loader), and prints resident memory per viewer, the live objects each viewer adds per
type (with their shallow sizes), and the source lines that allocated the most
(tracemalloc, which itself adds memory: RSS is measured in a second run without it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fd import raise_limit  # noqa: E402
from bench.measure import NodeLoader  # noqa: E402
from tests.processes import Cluster  # noqa: E402


def census(pid: int, out: Path) -> dict:
    lines = len(out.read_text().splitlines()) if out.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_text().splitlines()) > lines:
            return json.loads(out.read_text().splitlines()[-1])
        time.sleep(0.5)
    raise TimeoutError("no census written")


def run(viewers: int, trace: bool) -> tuple[float, dict, dict]:
    logdir = Path(tempfile.mkdtemp(prefix="bench-census-"))
    out = logdir / "census.jsonl"
    hook = {"PYTHONPATH": str(ROOT / "bench" / "census_hook"), "CENSUS_OUT": str(out)}
    if trace:
        hook["PYTHONTRACEMALLOC"] = "1"
    cluster = Cluster(logdir, env=hook)
    loader = None
    try:
        cluster.worker("worker")
        web, port = cluster.web("web")
        pid = web.process.pid
        url = f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/"
        time.sleep(3)
        before = census(pid, out)
        rss_before = psutil.Process(pid).memory_info().rss
        loader = NodeLoader([url], {url: f"http://127.0.0.1:{port}"}, viewers, False)
        ready = loader.ready()
        if "error" in ready:
            raise RuntimeError(f"loader failed: {ready}")
        time.sleep(3)
        after = census(pid, out)
        rss_after = psutil.Process(pid).memory_info().rss
        return (rss_after - rss_before) / viewers, before, after
    finally:
        if loader:
            loader.command("stop")
        cluster.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=2000)
    options = parser.parse_args()
    raise_limit()
    n = options.viewers
    per_viewer, before, after = run(n, trace=False)
    print(f"resident memory per idle viewer (no tracing): {per_viewer / 1024:.1f} KB over {n:,} viewers\n")
    rows = []
    for name, count in after["counts"].items():
        extra = count - before["counts"].get(name, 0)
        if extra >= n * 0.9:  # roughly one or more per viewer
            size = after["sizes"][name] - before["sizes"].get(name, 0)
            rows.append((size / n, extra / n, name))
    rows.sort(reverse=True)
    print("| objects added per viewer (type) | count per viewer | shallow bytes per viewer |")
    print("|---|---|---|")
    for size, count, name in rows[:25]:
        print(f"| `{name}` | {count:.1f} | {size:,.0f} |")
    print(f"| all of the above | | {sum(row[0] for row in rows):,.0f} |\n")
    _, before, after = run(n, trace=True)
    growth = sorted(((size - before["sites"].get(site, 0)) / n, site) for site, size in after["sites"].items())[::-1][
        :15
    ]
    print("| allocated per viewer, by source line (tracemalloc) | bytes |")
    print("|---|---|")
    for size, site in growth:
        short = site.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        print(f"| `{short}` | {size:,.0f} |")


if __name__ == "__main__":
    main()
