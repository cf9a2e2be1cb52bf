"""The reference: a minimal relay on the `websockets` library.

Subscribes to the sandbox hub (raw SignalR JSON protocol) and sends every hub frame
unchanged to every connected client with ``websockets.broadcast``. No Django, no
channel layer, no diffing: the floor our stack is compared against.

    python bench/reference_relay.py SANDBOX_URL PORT GAME_TYPE [GAME_TYPE ...]
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from collections.abc import AsyncIterator

import requests
import websockets
from websockets.asyncio.server import serve

RS = "\x1e"
clients: set = set()


async def handler(connection) -> None:
    clients.add(connection)
    try:
        await connection.wait_closed()
    finally:
        clients.discard(connection)


def get_token(sandbox: str) -> str:
    body = {"PartnerClientId": 1, "Secret": "sandbox-secret"}
    url = sandbox + "/partnersmediator-service/api/v2/auth/token"
    return requests.post(url, json=body, timeout=5).json()["token"]


async def hub_pushes(sandbox: str, game_types: list[int]) -> AsyncIterator[str]:
    """Every games-info frame of the sandbox hub, unchanged: a minimal SignalR client (raw
    JSON protocol, one Subscribe per game type, a ping every 10 s). The picows relay uses it too."""
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
        try:
            async for frame in upstream:
                if '"type":1' in frame:
                    yield str(frame)
        finally:
            pinger.cancel()


async def relay(sandbox: str, game_types: list[int]) -> None:
    async for frame in hub_pushes(sandbox, game_types):
        websockets.broadcast(clients, frame)


async def main() -> None:
    sandbox, port, *types = sys.argv[1:]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # No permessage-deflate: compressing per connection would make the reference slower than a floor.
    async with serve(handler, "127.0.0.1", int(port), ping_interval=None, max_queue=None, compression=None):
        print("reference relay ready", flush=True)
        await relay(sandbox, [int(t) for t in types])


if __name__ == "__main__":
    asyncio.run(main())
