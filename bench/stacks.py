"""The stacks bench/fanout.py compares, each started fresh for every N and stopped after it.

- ours: W daphne web processes (``python -m feedsite.webserver``) behind the feed worker
  and the Redis channel layer, as deployed;
- peers that relay every hub frame unchanged, in the same number of processes, each
  subscribed to the sandbox hub the same way (bench/reference_relay.py's handshake):
  the ``websockets`` reference, the obvious Node ``ws`` relay and a ``picows`` relay.

Fresh processes per N so that every stack's memory per viewer is measured from the same
cold start (a process that already held sockets reuses its heap and looks cheaper).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench.metrics import redis_pids
from tests.processes import Cluster, Proc, free_port

ROOT = Path(__file__).resolve().parent.parent
STACKS = ("ours", "websockets", "node-ws", "picows")
# Optional peers (--stacks): the same relays sending one hub frame in SPARSE_EVERY, so that each
# viewer gets about as many messages as ours sends (changes only): the cost of one message when
# messages are as sparse, which a relay's dense stream hides (a write to a sleeping reader costs more).
SPARSE_EVERY = 15
SPARSE_PEERS = ("node-ws", "picows")
OPTIONAL_STACKS = tuple(f"{name}-sparse" for name in SPARSE_PEERS)
GAME_TYPES = ["3", "1", "2", "5"]  # the benchmark widget's games (tests/processes.py Cluster)


@dataclass(frozen=True)
class Relay:
    label: str
    program: list[str]  # run as program + [SANDBOX_URL, PORT, *GAME_TYPES]; prints one line when listening
    every: int = 1  # RELAY_EVERY: one hub frame in this many is sent


DENSE_RELAYS = {
    "websockets": Relay("websockets relay", [sys.executable, str(ROOT / "bench" / "reference_relay.py")]),
    "node-ws": Relay("Node ws relay", ["node", str(ROOT / "bench" / "node_ws_relay.js")]),
    "picows": Relay("picows relay", [sys.executable, str(ROOT / "bench" / "picows_relay.py")]),
}
RELAYS = {
    **DENSE_RELAYS,
    **{
        f"{name}-sparse": replace(
            DENSE_RELAYS[name], label=f"{DENSE_RELAYS[name].label}, 1 frame in {SPARSE_EVERY}", every=SPARSE_EVERY
        )
        for name in SPARSE_PEERS
    },
}


@dataclass
class Running:
    """A started stack: where its clients connect, which processes to charge, how to stop it."""

    label: str
    urls: list[str]
    origins: dict[str, str]
    pids: dict[str, list[int]]
    raw: bool  # relays send SignalR records; ours sends its own messages after a snapshot
    metrics_urls: list[str] | None
    stop: Callable[[], None]


def start_ours(cluster: Cluster, web_count: int, worker: Proc, label: str) -> Running:
    webs = [cluster.web(f"web-{i}-{time.monotonic_ns()}") for i in range(web_count)]
    urls = [f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/" for _, port in webs]
    origins = {url: f"http://127.0.0.1:{port}" for url, (_, port) in zip(urls, webs, strict=True)}
    pids = {"web": [proc.process.pid for proc, _ in webs], "worker": [worker.process.pid], "redis": redis_pids()}

    def stop() -> None:
        for proc, _ in webs:
            proc.stop()

    metrics = [f"http://127.0.0.1:{port}/metrics" for _, port in webs]
    return Running(label, urls, origins, pids, False, metrics, stop)


def start_relay(key: str, sandbox_url: str, count: int) -> Running:
    relay = RELAYS[key]
    started: list[tuple[subprocess.Popen[str], str]] = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(
            [*relay.program, sandbox_url, str(port), *GAME_TYPES],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "RELAY_EVERY": str(relay.every)},
        )
        if not process.stdout or not process.stdout.readline():
            raise RuntimeError(f"{relay.label} exited before listening")
        started.append((process, f"ws://127.0.0.1:{port}/"))
    time.sleep(1.5)  # the hub subscription in place before the memory baseline is read

    def stop() -> None:
        for process, _ in started:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()

    urls = [url for _, url in started]
    label = relay.label + (f" ×{count}" if count > 1 else "")
    pids = {"relay": [process.pid for process, _ in started]}
    return Running(label, urls, {url: "http://127.0.0.1" for url in urls}, pids, True, None, stop)


def _node(expression: str) -> str:
    try:
        return subprocess.run(
            ["node", "-p", expression], cwd=ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except OSError:
        return "missing"


def _python(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing (make bench)"


def versions() -> str:
    """One line naming every stack's server software, so a table is read against its versions."""
    ours = ", ".join(f"{name} {_python(name)}" for name in ("Django", "channels", "daphne", "autobahn", "Twisted"))
    node, ws = _node("process.versions.node"), _node("require('ws/package.json').version")
    return (
        f"ours: Python {platform.python_version()}, {ours}; websockets {_python('websockets')}; "
        f"Node {node}, ws {ws}; picows {_python('picows')} (aiofastnet {_python('aiofastnet')})"
    )
