// Drives the BETCORE sandbox hub with Microsoft's official SignalR client.
// Usage: node signalr_conformance.js HUB_URL TOKEN negotiate|skip [pushes] [waitMs]
// Prints one JSON line per observation; exits 0 only if every check passed.
"use strict";
const signalR = require("@microsoft/signalr");

const [, , hubUrl, token, mode, wanted = "5", waitMs = "0"] = process.argv;
const options = { accessTokenFactory: () => token };
if (mode === "skip") {
  Object.assign(options, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets });
}
const connection = new signalR.HubConnectionBuilder()
  .withUrl(hubUrl, options)
  .withServerTimeout(Number(process.env.SERVER_TIMEOUT_MS || 30000))
  .configureLogging(signalR.LogLevel.Warning)
  .build();

const fail = (why) => {
  console.log(JSON.stringify({ event: "fail", why: String(why && why.message ? why.message : why) }));
  process.exit(1);
};
const pushes = [];
let done;
const enough = new Promise((resolve) => (done = resolve));
connection.on("SubOnWholeGamesInfo", (payload) => {
  const body = typeof payload === "string" ? JSON.parse(payload) : payload;
  pushes.push(body.sId);
  if (pushes.length >= Number(wanted)) done();
});
connection.onclose((error) => { if (error) fail(error); });

(async () => {
  await connection.start();
  console.log(JSON.stringify({ event: "connected", connectionId: connection.connectionId }));
  const filter = (gameType) => JSON.stringify({ GameType: gameType, PartnerClientId: 1, Count: 1 });
  await connection.send("Subscribe", "SubOnWholeGamesInfo", filter(3));
  // A blocking invoke must get a Completion back (the server owes one per invocationId).
  await connection.invoke("Subscribe", "SubOnWholeGamesInfo", filter(1));
  await enough;
  console.log(JSON.stringify({ event: "pushes", sIds: pushes }));
  if (Number(waitMs) > 0) {
    await new Promise((resolve) => setTimeout(resolve, Number(waitMs)));
    console.log(JSON.stringify({ event: "still-connected", state: connection.state }));
  }
  await connection.stop();
  console.log(JSON.stringify({ event: "ok" }));
  process.exit(0);
})().catch(fail);
