// Load generator in Node (ws): N widget sockets that record latency, counts and bytes.
//
// The Python loader (bench/loader.py) spends more CPU per received frame than the
// servers spend per sent frame, so on a 2-core machine it measures its own queueing.
// This one is driven by bench/fanout.py the same way, over stdin/stdout:
//   node bench/loader.js '{"urls": [...], "origins": {...}, "count": N, "raw": false}'
//   -> prints {"connected": N}; stdin "measure" starts the window; "stop" ends it and
//   prints {"elapsed": s, "latencies": [...], "bytes": b, "keys_per_viewer": [...]}.
// With "reconnect": true a socket closed after its first snapshot comes back like the
// widget does (exponential backoff with full jitter); stdin "recovery" prints, per
// reconnect, [closed at, snapshot again at] in ms since the epoch, and how many are open.
"use strict";

const readline = require("readline");
const WebSocket = require("ws");

const options = JSON.parse(process.argv[2]);
const RS = "\x1e";
const HANDSHAKES_AT_ONCE = 50; // a connection storm overflows listen queues

let measuring = false;
let stopping = false;
const recoveries = []; // [closed at, snapshot again at] per reconnected viewer
const now = () => performance.timeOrigin + performance.now();
let connected = 0;
let retries = 0;
const sockets = [];
const viewers = [];

// The sandbox send time: our messages carry ms since the epoch, raw hub pushes a .NET
// timestamp (up to 7 fraction digits, UTC, with or without the Z).
function sentMs(tst) {
  if (typeof tst === "number") return tst;
  if (typeof tst !== "string") return null;
  const text = tst.replace(/Z$/, "");
  const [whole, fraction = "0"] = text.split(".");
  return Date.parse(whole + "Z") + Number(("0." + fraction).slice(0, 10)) * 1000;
}

function record(viewer, now, text) {
  viewer.bytes += Buffer.byteLength(text);
  if (options.raw) {
    for (const part of text.split(RS)) {
      if (!part) continue;
      const message = JSON.parse(part);
      if (message.type !== 1) continue;
      const push = message.arguments[0];
      const sent = sentMs(push.tst);
      viewer.latencies.push(now - sent);
      viewer.keys.add(push.wgi[0].t + "|" + sent);
    }
    return;
  }
  const data = JSON.parse(text); // one message, or an array of those of the same tick
  for (const message of Array.isArray(data) ? data : [data]) {
    if (message.type !== "game") continue;
    const sent = sentMs(message.tst);
    if (sent === null) continue;
    viewer.latencies.push(now - sent);
    viewer.keys.add(message.t + "|" + sent);
  }
}

// As widget.js: 0.5-1 s, 0.8-1.6 s, 1.3-2.6 s, ... capped at 30 s.
const widgetDelay = (attempt) =>
  Math.min(30000, 1000 * 1.6 ** attempt) * (0.5 + Math.random() / 2);

function reopen(index, attempt, closedAt) {
  const url = options.urls[index % options.urls.length];
  const socket = new WebSocket(url, { origin: options.origins[url], perMessageDeflate: false });
  let first = true;
  socket.on("open", () => sockets.push(socket));
  socket.on("message", (data) => {
    if (first) {
      first = false;
      recoveries.push([closedAt, now()]);
      viewers[index].open = true;
      return;
    }
    if (measuring) record(viewers[index], now(), data.toString());
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    if (stopping) return;
    if (first) setTimeout(() => reopen(index, attempt + 1, closedAt), widgetDelay(attempt + 1));
    else lost(index);
  });
}

function lost(index) {
  viewers[index].open = false;
  if (options.reconnect && !stopping) {
    const closedAt = now();
    setTimeout(() => reopen(index, 0, closedAt), widgetDelay(0));
  }
}

function open(index, attempt, done) {
  const url = options.urls[index % options.urls.length];
  const viewer = viewers[index];
  const socket = new WebSocket(url, { origin: options.origins[url], perMessageDeflate: false });
  let first = true;
  socket.on("open", () => {
    sockets.push(socket);
    if (options.raw) {
      first = false;
      connected += 1;
      done();
    }
  });
  socket.on("message", (data) => {
    const now = performance.timeOrigin + performance.now();
    if (first) {
      first = false; // the snapshot
      viewer.open = true;
      connected += 1;
      done();
      return;
    }
    if (measuring) record(viewer, now, data.toString());
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    if (!first && !stopping) {
      lost(index);
      return;
    }
    if (first && attempt < 8) {
      first = false;
      retries += 1;
      setTimeout(() => open(index, attempt + 1, done), 500 * 2 ** attempt * Math.random());
    } else if (first) {
      process.stdout.write(JSON.stringify({ error: "could not connect", connected }) + "\n");
      process.exit(1);
    }
  });
}

function connectAll() {
  let next = 0;
  const startOne = () => {
    if (next >= options.count) return;
    const index = next++;
    open(index, 0, () => {
      startOne();
      if (connected === options.count) process.stdout.write(JSON.stringify({ connected, retries }) + "\n");
    });
  };
  for (let i = 0; i < options.count; i++) viewers.push({ latencies: [], keys: new Set(), bytes: 0, open: false });
  for (let i = 0; i < Math.min(HANDSHAKES_AT_ONCE, options.count); i++) startOne();
}

let started = 0;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "measure") {
    measuring = true;
    started = performance.now();
  } else if (line === "recovery") {
    const open = viewers.filter((v) => v.open).length;
    process.stdout.write(JSON.stringify({ open, recoveries }) + "\n");
  } else if (line === "stop") {
    measuring = false;
    stopping = true;
    const elapsed = (performance.now() - started) / 1000;
    const result = {
      elapsed,
      latencies: viewers.flatMap((v) => v.latencies),
      bytes: viewers.reduce((sum, v) => sum + v.bytes, 0),
      keys_per_viewer: viewers.map((v) => [...v.keys].map((key) => key.split("|").map(Number))),
      retries,
    };
    process.stdout.write(JSON.stringify(result) + "\n", () => {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    });
  }
});

connectAll();
