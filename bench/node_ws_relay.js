// A peer for bench/fanout.py: the relay a Node developer would write with `ws` 8.x.
//
// It mirrors bench/reference_relay.py so the stacks differ only in the server library:
// one raw WebSocket to the sandbox's SignalR hub (JSON protocol, token in the query as
// the hub expects, no negotiate round trip), one Subscribe per game type, a SignalR ping
// every 10 s, and every hub frame carrying an invocation (type 1) sent unchanged to every
// connected client. No permessage-deflate: compressing per connection would make it
// slower than the floor it stands for. Run one per core, like the reference:
//   node bench/node_ws_relay.js SANDBOX_URL PORT GAME_TYPE [GAME_TYPE ...]
// prints "node ws relay ready" once it listens. RELAY_EVERY=N in the environment sends only one
// hub frame in N (the same frames to every client): the relay at a message rate like ours, to
// compare what one message costs when messages are as sparse.
"use strict";

const WebSocket = require("ws");

const RS = "\x1e";
const [sandbox, port, ...gameTypes] = process.argv.slice(2);
const every = Number(process.env.RELAY_EVERY || 1);
let invocations = 0;

const server = new WebSocket.WebSocketServer({
  host: "127.0.0.1",
  port: Number(port),
  perMessageDeflate: false,
  clientTracking: true, // server.clients: the set the broadcast below walks
});

async function token() {
  const response = await fetch(sandbox + "/partnersmediator-service/api/v2/auth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ PartnerClientId: 1, Secret: "sandbox-secret" }),
  });
  return (await response.json()).token;
}

async function relay() {
  const hub =
    sandbox.replace("http://", "ws://") +
    "/signalrhub-livefeed-service/hubs?access_token=" +
    encodeURIComponent(await token());
  const upstream = new WebSocket(hub, { perMessageDeflate: false, maxPayload: 0 });
  upstream.on("open", () => {
    upstream.send(JSON.stringify({ protocol: "json", version: 1 }) + RS);
    for (const gameType of gameTypes) {
      const argument = JSON.stringify({ GameType: Number(gameType), PartnerClientId: 1, Count: 1 });
      const invocation = { type: 1, target: "Subscribe", arguments: ["SubOnWholeGamesInfo", argument] };
      upstream.send(JSON.stringify(invocation) + RS);
    }
    setInterval(() => upstream.send('{"type":6}' + RS), 10000);
  });
  upstream.on("message", (data, isBinary) => {
    // The hub's pings and handshake answer are not news for viewers; the reference drops them too.
    if (!data.includes('"type":1')) return;
    if (invocations++ % every !== 0) return;
    // The broadcast from ws's README: the same Buffer to every open client, as a text frame.
    for (const client of server.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
  upstream.on("close", () => process.exit(1)); // a benchmark without its feed measures nothing
  upstream.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
}

server.on("connection", (socket) => socket.on("error", () => {})); // a client reset is not our failure
server.on("listening", () => {
  process.stdout.write("node ws relay ready\n");
  relay();
});
