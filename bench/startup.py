"""Start-up phases of a web process: how long until a new one can answer, and where that goes.

    .venv/bin/python bench/startup.py --runs 3

Starts the scale-out stack's dependencies (sandbox, PostgreSQL, Redis, one feed worker;
no viewers), then per run times, in a fresh interpreter each: the interpreter itself,
Django's setup, importing the ASGI application (feedsite.asgi), opening the database
pool and the first query, the first channel-layer call; then starts a real web process
(``python -m feedsite.webserver``) and polls /livez every 10 ms until it answers, then
reads a widget page and opens a widget socket until its snapshot. Written for restart
recovery (bench/restart.py): a restarted process cannot take its viewers back before it
answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import wait_live  # noqa: E402
from tests.processes import Cluster, free_port  # noqa: E402

# Run in a fresh interpreter: prints seconds since the epoch after each phase, as JSON.
PHASES = """
import json, time
marks = {"interpreter": time.time()}
import django
django.setup()
marks["django_setup"] = time.time()
import feedsite.asgi
marks["asgi_import"] = time.time()
from django.db import connection
connection.ensure_connection()
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
marks["database"] = time.time()
import asyncio
from channels.layers import get_channel_layer
asyncio.run(get_channel_layer().group_send("startup-probe", {"type": "probe"}))
marks["channel_layer"] = time.time()
print(json.dumps(marks))
"""


def phases(cluster: Cluster) -> dict[str, float]:
    started = time.time()
    env = cluster.env(DJANGO_SETTINGS_MODULE="feedsite.settings")
    out = subprocess.run(
        [sys.executable, "-c", PHASES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    previous, result = started, {}
    for name, at in marks.items():
        result[name] = at - previous
        previous = at
    return result


async def first_snapshot(url: str, origin: str) -> None:
    async with connect(url, origin=origin, open_timeout=30) as socket:
        await socket.recv()


def web_process(cluster: Cluster, name: str) -> dict[str, float]:
    """A real web process from spawn: listening, /livez answered, a widget page, a snapshot."""
    port = free_port()
    started = time.monotonic()
    proc = cluster.start(
        name,
        [
            sys.executable,
            "-m",
            "feedsite.webserver",
            "-v",
            "0",
            "-p",
            str(port),
            "-b",
            "127.0.0.1",
            "feedsite.asgi:application",
        ],
    )
    try:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/livez", timeout=5)
                break
            except requests.ConnectionError:
                if proc.process.poll() is not None:
                    raise RuntimeError(proc.output()[-2000:]) from None
                time.sleep(0.01)
        livez = time.monotonic() - started
        requests.get(f"http://127.0.0.1:{port}/w/{cluster.widget_id}/", timeout=30).raise_for_status()
        page = time.monotonic() - started
        url = f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/"
        asyncio.run(first_snapshot(url, f"http://127.0.0.1:{port}"))
        snapshot = time.monotonic() - started
    finally:
        proc.stop()
    return {"livez": livez, "page": page, "snapshot": snapshot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="bench-startup-")))
    try:
        cluster.worker("worker")
        asyncio.run(wait_live(cluster, timeout=30))  # the feed live, so the snapshot is a real one
        runs = [(phases(cluster), web_process(cluster, f"web-{i}")) for i in range(options.runs)]
        for key in runs[0][0]:
            values = [phase[key] for phase, _ in runs]
            print(f"{key:>14}: median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")
        for key in runs[0][1]:
            values = [web[key] for _, web in runs]
            print(
                f"web {key:>10}: median {statistics.median(values):.2f} s after spawn "
                f"({', '.join(f'{v:.2f}' for v in values)})"
            )
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
