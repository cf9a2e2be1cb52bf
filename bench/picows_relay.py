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
import json
import resource
import sys

import requests
import websockets
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

RS = "\x1e"
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


def get_token(sandbox: str) -> str:
    body = {"PartnerClientId": 1, "Secret": "sandbox-secret"}
    url = sandbox + "/partnersmediator-service/api/v2/auth/token"
    return requests.post(url, json=body, timeout=5).json()["token"]


async def relay(sandbox: str, game_types: list[int]) -> None:
    token = await asyncio.to_thread(get_token, sandbox)
    hub = sandbox.replace("http://", "ws://") + f"/signalrhub-livefeed-service/hubs?access_token={token}"
    async with websockets.connect(hub, ping_interval=None, max_size=None) as upstream:
        await upstream.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        for game_type in game_types:
            arguments = ["SubOnWholeGamesInfo", json.dumps({"GameType": game_type, "PartnerClientId": 1, "Count": 1})]
            await upstream.send(json.dumps({"type": 1, "target": "Subscribe", "arguments": arguments}) + RS)

        async def keepalive() -> None:
            while True:
                await asyncio.sleep(10)
                await upstream.send('{"type":6}' + RS)

        pinger = asyncio.create_task(keepalive())
        async for frame in upstream:
            if '"type":1' in frame:
                payload = frame.encode() if isinstance(frame, str) else frame  # once, not per viewer
                for transport in list(clients):  # a close during the loop must not end it
                    # Copies into the transport's buffer and writes at once; what the kernel does not
                    # take is queued by the transport, as websockets.broadcast does for the reference.
                    transport.send(WSMsgType.TEXT, payload)
        pinger.cancel()


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
