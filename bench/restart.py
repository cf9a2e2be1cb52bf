"""Restart recovery: N viewers on W daphne processes; one process is restarted (as a deploy does).

    .venv/bin/python bench/restart.py --viewers 10000 --web 2

Starts the scale-out stack (sandbox, PostgreSQL, Redis, one feed worker, W daphne
processes), connects N widget sockets from Node loader processes (bench/loader.js) that
reconnect like widget.js does (exponential backoff with full jitter), then stops web-0
(SIGTERM, as systemd does on a deploy) and starts it again on the same port. Reports how
long after the new process answered all of its viewers were back with a snapshot,
connections accepted per second, and the spread of the reconnects.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fd import raise_limit  # noqa: E402
from bench.measure import NodeLoader, percentile  # noqa: E402
from tests.processes import Cluster, wait_until_answers  # noqa: E402


def start_again(cluster: Cluster, port: int) -> tuple[float, float, float, float]:
    """Start web-0 again on ``port``; when it was spawned, accepted TCP, and answered /livez.

    Two probes from the moment it listens: one patient request (it keeps its place in the
    accept queue behind the reconnecting viewers), and the 1 s-timeout poll that
    tests/processes.py's readiness wait uses, which goes to the back of the queue each time
    it gives up, so under a reconnect storm it reports the storm's end, not the answer.
    """
    spawned = time.time()
    args = [sys.executable, "-m", "feedsite.webserver", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
    web = cluster.start("web-0-again", [*args, "feedsite.asgi:application"])
    while True:  # a 10 ms poll of its own: the moment it listens is one of the figures
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if web.process.poll() is not None or time.time() - spawned > 120:
                raise RuntimeError(
                    f"web-0-again exited or did not listen within 120 s:\n{web.output()[-2000:]}"
                ) from None
            time.sleep(0.01)
    listening = time.time()
    url = f"http://127.0.0.1:{port}/livez"
    with ThreadPoolExecutor(2) as pool:
        patient = pool.submit(lambda: requests.get(url, timeout=(5, 120)) and time.time())
        polled = pool.submit(lambda: (wait_until_answers(url, timeout=120) and time.time()) or float("nan"))
        return spawned, listening, patient.result(), polled.result()


def open_viewers(loaders: list[NodeLoader]) -> int:
    return sum(loader.recovery()["open"] for loader in loaders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--web", type=int, default=2, help="daphne processes")
    parser.add_argument("--loaders", type=int, default=2, help="load-generator processes")
    parser.add_argument("--timeout", type=float, default=180.0, help="give up waiting for the reconnects after this")
    options = parser.parse_args()
    raise_limit()

    logdir = Path(tempfile.mkdtemp(prefix="bench-restart-"))
    cluster = Cluster(logdir)
    loaders: list[NodeLoader] = []
    try:
        cluster.worker("worker")
        webs = [cluster.web(f"web-{i}") for i in range(options.web)]
        urls = [f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/" for _, port in webs]
        origins = {url: f"http://127.0.0.1:{port}" for url, (_, port) in zip(urls, webs, strict=True)}
        share = [
            options.viewers // options.loaders + (i < options.viewers % options.loaders) for i in range(options.loaders)
        ]
        started = time.monotonic()
        loaders = [NodeLoader(urls, origins, count, False, reconnect=True) for count in share]
        for loader in loaders:
            ready = loader.ready()
            if "error" in ready:
                raise RuntimeError(f"loader failed: {ready}")
        took = time.monotonic() - started
        print(f"{options.viewers:,} viewers connected in {took:.1f} s over {options.web} web processes")
        victim, port = webs[0]
        on_victim = sum((count + len(urls) - 1) // len(urls) for count in share)  # each loader spreads by index
        signalled = time.time()
        victim.process.send_signal(signal.SIGTERM)  # daphne closes its sockets, then exits
        victim.process.wait(120)
        stopped = time.time()
        spawned, listening, answered, polled = start_again(cluster, port)
        print(
            f"web-0 ({on_victim:,} viewers) took {stopped - signalled:.1f} s to exit after SIGTERM; the new process: "
            f"listening {listening - spawned:.1f} s after spawn, /livez answered {answered - spawned:.1f} s after "
            f"spawn ({answered - stopped:.1f} s after the stop); a 1 s-timeout poll (as tests/processes.py waits) "
            f"first got an answer {polled - spawned:.1f} s after spawn"
        )
        deadline = time.monotonic() + options.timeout
        while open_viewers(loaders) < options.viewers and time.monotonic() < deadline:
            time.sleep(0.5)
        back = [snapshot for loader in loaders for _, snapshot in loader.recovery()["recoveries"]]
        back_s = sorted((ms / 1000 - answered) for ms in back)
        missing = options.viewers - open_viewers(loaders)
        if not back_s:
            print("no viewer came back")
            return
        spread = back_s[-1] - back_s[0]
        print(
            f"back with a snapshot: {len(back_s):,} of {on_victim:,}; missing {missing}; "
            f"all back {back_s[-1]:.1f} s after the new process answered"
        )
        print(
            f"accepted {len(back_s) / max(spread, 0.001):,.0f} connections/s over {spread:.1f} s; "
            f"reconnects after the process answered: p10 {percentile(back_s, 0.1):.1f} s, "
            f"p50 {percentile(back_s, 0.5):.1f} s, p90 {percentile(back_s, 0.9):.1f} s"
        )
        print(f"logs: {logdir}")
    finally:
        for loader in loaders:
            loader.command("stop")
        cluster.close()


if __name__ == "__main__":
    main()
