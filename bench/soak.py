"""Memory over time: N idle-but-subscribed widget sockets for a long run; RSS sampled.

    .venv/bin/python bench/soak.py --viewers 1000 --minutes 10

Prints the resident memory of the web and worker processes every 30 s and the growth
from the first sample (after all sockets are connected) to the last.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import LOADERS, rss_mb  # noqa: E402
from tests.processes import Cluster  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--client", choices=sorted(LOADERS), default="node")
    options = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="bench-soak-")), speed=1.0)
    try:
        worker = cluster.worker("worker")
        webs = [cluster.web(f"web-{i}") for i in range(options.web)]
        time.sleep(3)
        urls = [f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/" for _, port in webs]
        origins = {url: f"http://127.0.0.1:{port}" for url, (_, port) in zip(urls, webs, strict=True)}
        pids = {"web": [proc.process.pid for proc, _ in webs], "worker": [worker.process.pid]}
        loader = LOADERS[options.client](urls, origins, options.viewers, False)
        ready = loader.ready()
        if "error" in ready:
            raise RuntimeError(ready["error"])
        loader.command("measure")
        samples = []
        print("| minute | web RSS MB | worker RSS MB |\n|---|---|---|")
        end = time.monotonic() + options.minutes * 60
        while True:
            sample = (rss_mb(pids["web"]), rss_mb(pids["worker"]))
            samples.append(sample)
            minute = (time.monotonic() - (end - options.minutes * 60)) / 60
            print(f"| {minute:.1f} | {sample[0]:.1f} | {sample[1]:.1f} |", flush=True)
            if time.monotonic() >= end:
                break
            time.sleep(min(30, max(0.1, end - time.monotonic())))
        loader.command("stop")
        summary = loader.result()
        first, last = samples[0], samples[-1]
        print(
            f"\n{options.viewers:,} viewers for {options.minutes:g} min: web RSS {first[0]:.0f} -> {last[0]:.0f} MB "
            f"({(last[0] / first[0] - 1) * 100:+.1f}%), worker {first[1]:.0f} -> {last[1]:.0f} MB "
            f"({(last[1] / first[1] - 1) * 100:+.1f}%); {len(summary['latencies']):,} game messages received"
        )
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
