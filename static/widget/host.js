// The host page: size and events via postMessage, to the parent's origin only.
import { root, config } from "./page.js";

// Posts to another origin log errors on the partner's page: messages wait for the
// parent's origin, from ancestorOrigins or embed.js's hello (sent by the parent window),
// one allowed to frame us (or ours: the admin preview).
export const inFrame = window.parent !== window;
export const mayFrame = (origin) => origin === location.origin || config.partnerOrigins.includes(origin);
const ancestor = location.ancestorOrigins && location.ancestorOrigins[0];
// origin: whom to post to (null until known); selects: embed.js's hello asked for betcore:select.
export const host = { origin: inFrame && ancestor && mayFrame(ancestor) ? ancestor : null, selects: undefined };
const waiting = [];

export function tellHost(event, detail = {}) {
  if (!inFrame) return;
  const message = { source: "betcore-widget", event, detail };
  if (host.origin) window.parent.postMessage(message, host.origin);
  else if (waiting.push(message) > 30) waiting.shift();
}

// The content's height, not the document's (never below the frame's): so it shrinks too.
const contentHeight = () => Math.ceil(root.getBoundingClientRect().height);

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || !mayFrame(event.origin)) return;
  if (event.data && event.data.source === "betcore-embed" && event.data.event === "hello") {
    host.selects = event.data.select === true;
    host.origin = event.origin;
    for (const message of waiting.splice(0)) window.parent.postMessage(message, host.origin);
    tellHost("resize", { height: contentHeight() });
  }
});

// Also measured by the ticker: engines skip ResizeObserver in cross-origin frames out of view.
let lastHeight = 0;
export function followContent() {
  if (!inFrame) return;
  const height = contentHeight();
  if (height !== lastHeight) {
    lastHeight = height;
    tellHost("resize", { height });
  }
}
new ResizeObserver(followContent).observe(root);

// Once the first state is drawn: the host learns the widget is there, and its height.
export function tellReady() {
  lastHeight = inFrame ? contentHeight() : 0;
  tellHost("ready", { height: lastHeight });
}
