"""Load-generator process: N widget sockets that record latency, counts and bytes.

Runs in its own process (see fanout.py) so that the clients do not share an event
loop or a GIL with the servers being measured.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import datetime

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

RS = "\x1e"


def tst_ms(message: dict) -> float | None:
    """The sandbox send time of a message: ours carry ms, raw hub pushes a .NET timestamp."""
    tst = message.get("tst")
    if isinstance(tst, (int, float)):
        return float(tst)
    if isinstance(tst, str):
        text = tst.rstrip("Z")[:26]
        return datetime.fromisoformat(text + "+00:00").timestamp() * 1000
    return None


class Viewer:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.keys: set[tuple] = set()
        self.messages = 0
        self.bytes = 0


def parse(frame: str, raw: bool) -> list[dict]:
    if raw:  # the reference relays SignalR records unchanged
        records = []
        for text in frame.split(RS):
            if text:
                record = json.loads(text)
                if record.get("type") == 1:
                    records.append(record["arguments"][0])
        return records
    data = json.loads(frame)  # one message, or an array of those of the same tick
    return data if isinstance(data, list) else [data]


async def run_viewer(url: str, origin: str, raw: bool, viewer: Viewer, state: dict) -> None:
    for attempt in range(8):  # a browser would retry too; a connection storm overflows listen queues
        try:
            async with state["limiter"]:  # limit only the handshakes, not the open connections
                socket = await connect(
                    url, origin=origin, open_timeout=60, ping_interval=None, max_queue=None, close_timeout=1
                )
            break
        except (OSError, InvalidHandshake, TimeoutError):
            if attempt == 7:
                raise
            state["retries"] += 1
            await asyncio.sleep(0.5 * 2**attempt * random.random())
    state["sockets"].append(socket)
    try:
        if not raw:
            await socket.recv()  # the snapshot
        state["connected"] += 1
        async for frame in socket:  # ends when the orchestrator says stop and the socket is closed
            if not state["measuring"].is_set():
                continue
            now = time.time() * 1000
            viewer.bytes += len(frame.encode())
            for message in parse(frame, raw):
                viewer.messages += 1
                sent = tst_ms(message)
                if sent is not None and (raw or message.get("type") == "game"):
                    viewer.latencies.append(now - sent)
                    t = message.get("t") if not raw else message["wgi"][0]["t"]
                    viewer.keys.add((t, sent))
    except ConnectionClosed:
        pass


async def load(urls: list[str], origin_of: dict[str, str], count: int, raw: bool, commands, results) -> None:
    state = {
        "measuring": asyncio.Event(),
        "done": asyncio.Event(),
        "connected": 0,
        "retries": 0,
        "sockets": [],
        "limiter": asyncio.Semaphore(50),
    }
    viewers = [Viewer() for _ in range(count)]
    tasks = [
        asyncio.create_task(run_viewer(urls[i % len(urls)], origin_of[urls[i % len(urls)]], raw, viewers[i], state))
        for i in range(count)
    ]
    while state["connected"] < count:
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            results.put({"error": repr(failed[0].exception()), "connected": state["connected"]})
            state["done"].set()
            await asyncio.gather(*tasks, return_exceptions=True)
            return
        await asyncio.sleep(0.2)
    results.put({"connected": state["connected"]})
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, commands.get)  # "measure"
    state["measuring"].set()
    started = time.monotonic()
    await loop.run_in_executor(None, commands.get)  # "stop"
    elapsed = time.monotonic() - started
    state["measuring"].clear()
    state["done"].set()
    await asyncio.gather(*(socket.close() for socket in state["sockets"]), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    results.put(
        {
            "elapsed": elapsed,
            "latencies": [lat for v in viewers for lat in v.latencies],
            "messages": sum(v.messages for v in viewers),
            "bytes": sum(v.bytes for v in viewers),
            "keys_per_viewer": [sorted(v.keys) for v in viewers],
            "retries": state["retries"],
        }
    )


def loader_main(urls: list[str], origin_of: dict[str, str], count: int, raw: bool, commands, results) -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(load(urls, origin_of, count, raw, commands, results))
