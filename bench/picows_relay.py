"""A peer for bench/fanout.py: the reference relay with `picows` (Cython) serving the viewers.

How fast one Python process can fan out: the same hub subscription as
bench/reference_relay.py (same upstream client, same frames), but every hub frame goes
to the viewers through picows, whose frame building and writes are compiled code, with
its default transport (aiofastnet, installed with it). No compression (picows has
none), no pings of its own. Needs requirements-bench.txt (`make bench`).

    python bench/picows_relay.py SANDBOX_URL PORT GAME_TYPE [GAME_TYPE ...]
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server
from reference_relay import hub_pushes  # bench/ is this script's directory

clients: set[WSTransport] = set()


class Viewer(WSListener):
    """A viewer only receives: track the transport while it is open, answer a close."""

    def on_ws_connected(self, transport: WSTransport) -> None:
        clients.add(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        clients.discard(transport)


def viewer_for(_request: WSUpgradeRequest) -> Viewer:
    return Viewer()  # every path, every origin: the loaders are the only clients


# RELAY_EVERY=N: only one hub frame in N (the same ones to every client), for the cost of one
# message when messages are as sparse as ours.
EVERY = int(os.environ.get("RELAY_EVERY", "1"))


async def relay(sandbox: str, game_types: list[int]) -> None:
    pushes = 0
    async for frame in hub_pushes(sandbox, game_types):
        pushes += 1
        if (pushes - 1) % EVERY:
            continue
        payload = frame.encode()  # once, not per viewer
        for transport in list(clients):  # a close during the loop must not end it
            # Copies into the transport's buffer and writes at once; what the kernel does not
            # take is queued by the transport, as websockets.broadcast does for the reference.
            transport.send(WSMsgType.TEXT, payload)


async def main() -> None:
    sandbox, port, *types = sys.argv[1:]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = await ws_create_server(viewer_for, "127.0.0.1", int(port))
    async with server:
        print("picows relay ready", flush=True)
        await relay(sandbox, [int(t) for t in types])


if __name__ == "__main__":
    asyncio.run(main())
