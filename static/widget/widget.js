// BETCORE live-feed widget: applies snapshots and changes from /ws/w/<id>/ to the page.
// Feed text is only ever set with textContent; nothing from the feed is parsed as HTML.
const $ = (selector, root = document) => root.querySelector(selector);
const readJson = (id) => JSON.parse(document.getElementById(id).textContent);

const root = $(".bw-root");
const labels = readJson("bw-labels");
const config = readJson("bw-config");
const lang = document.documentElement.lang;
// Numbers are formatted here only: first paint and live updates follow the same CLDR rules.
const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
const idFormat = new Intl.NumberFormat(lang, { useGrouping: false }); // ids: no grouping
const amountFormat = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
let moneyFormat = amountFormat;
function formatMoneyIn(currency) {
  try {
    moneyFormat = new Intl.NumberFormat(lang, { style: "currency", currency, minimumFractionDigits: 2 });
  } catch {
    moneyFormat = amountFormat;
  }
}
formatMoneyIn(config.currency);

// Motion only if the viewer asked neither for less nor for a pause.
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const motionAllowed = () => !reducedMotion.matches && !userPaused;

const state = { games: new Map(), results: new Map(), jackpots: new Map(), names: {}, feed: "starting", clockOffset: 0 };
let socket = null;
let socketOpen = false;
// Until the first socket opens (or fails, or 5 s pass) the rendered state stands: no
// "reconnecting" flash at every load.
let firstConnect = true;
let everOpen = false;
let userPaused = false;
let attempt = 0;
let retryTimer = null;
let stopped = false;

// ---- rendering

function gameItem(t) {
  return $(`.bw-game[data-t="${Number(t)}"]`);
}

function renderGame(t) {
  const item = gameItem(t);
  if (!item) return;
  const game = state.games.get(t) || {};
  $(".bw-game-name", item).textContent = state.names[String(t)] || `#${t}`;
  const round = $(".bw-round", item);
  if (round) round.replaceChildren(...(game.round ? [`${labels.round} `, ltr(idFormat.format(game.round))] : []));
  renderTiming(item, game);
  renderResults(t);
  if (play) play.render(item, t);
}

// Seconds of betting left, or null when not taking bets (by the clock: at the deadline
// betting closes without waiting for a push).
function secondsLeft(game) {
  if (!game.deadline || game.phase !== "betting" || game.maintenance) return null;
  return Math.max(0, (game.deadline - (Date.now() + state.clockOffset)) / 1000);
}

const bettingWindows = new Map(); // t -> { deadline, opened }, for the progress bar

function renderTiming(item, game) {
  const left = secondsLeft(game);
  const live = state.feed === "live" && (socketOpen || firstConnect);
  const status = $(".bw-state", item);
  if (status) {
    let key = game.maintenance ? "maintenance" : game.phase || game.state || "";
    if (key === "betting" && left === 0) key = "bettingClosed";
    status.dataset.state = key;
    status.textContent = key === "bettingClosed" ? labels.bettingClosed : labels.states[key] || labels.noData;
  }
  const countdown = $(".bw-countdown", item);
  if (!countdown) return;
  const t = Number(item.dataset.t);
  // While the countdown runs it says "betting open"; the label stays for readers.
  if (status) status.classList.toggle("bw-visually-hidden", left !== null && left > 0);
  if (left === null || left === 0) {
    countdown.hidden = true;
    bettingWindows.delete(t);
    return;
  }
  countdown.hidden = false;
  if (!live) {
    // Not live: the deadline may have moved; no number rather than a wrong one.
    countdown.dataset.urgent = "false";
    $(".bw-countdown-text", countdown).textContent = "—";
    return;
  }
  let window_ = bettingWindows.get(t);
  if (!window_ || window_.deadline !== game.deadline) {
    window_ = { deadline: game.deadline, opened: Date.now() + state.clockOffset - 1000 };
    bettingWindows.set(t, window_);
  }
  const whole = Math.ceil(left);
  const span = Math.max(1, (window_.deadline - window_.opened) / 1000);
  countdown.dataset.urgent = String(whole <= 5);
  $(".bw-countdown-text", countdown).textContent =
    `${labels.bettingClosesIn} ${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  const bar = $(".bw-progress", countdown);
  bar.max = 1000;
  bar.value = Math.round(Math.min(1, left / span) * 1000);
}

const RESULTS_SHOWN = 3; // four games fit a phone screen; "more" shows the rest
const expanded = new Set();

function renderResults(t) {
  const list = $(`.bw-game[data-t="${Number(t)}"] .bw-results`);
  if (!list) return;
  const all = state.results.get(t) || [];
  const results = all.slice(0, expanded.has(t) ? 10 : RESULTS_SHOWN);
  const items = results.map(resultItem);
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "bw-result bw-empty";
    li.textContent = labels.noResults;
    items.push(li);
  }
  list.replaceChildren(...items);
  const more = $(`.bw-game[data-t="${Number(t)}"] .bw-more`);
  if (more) {
    more.hidden = !config.showResults || all.length <= RESULTS_SHOWN;
    more.setAttribute("aria-expanded", String(expanded.has(t)));
    more.textContent = expanded.has(t) ? labels.less : labels.more;
    more.setAttribute("aria-label", expanded.has(t) ? labels.fewerResults : labels.moreResults);
  }
}

// ---- results drawn per game, for the first paint and live updates

const words = labels.result;
const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};
const DIE_FACES = ["⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];
const isInt = (value) => Number.isInteger(value);
// Ids and amounts stay left-to-right in right-to-left text ([dir] isolates).
const ltr = (text, className) => Object.assign(element("span", className, text), { dir: "ltr" });

// Each renderer recognises its result by shape (BETCORE publishes no result schemas),
// draws it with the viewer's words, and says it in text for readers.
const RENDERERS = [
  {
    kind: "dice",
    fits: (f) => Array.isArray(f.dice) && f.dice.length > 0 && f.dice.every((d) => isInt(d) && d >= 1 && d <= 6),
    draw(f, box) {
      for (const die of f.dice) box.append(element("span", "bw-die", DIE_FACES[die - 1]));
      const total = isInt(f.total) ? f.total : f.dice.reduce((a, b) => a + b, 0);
      box.append(element("span", "bw-total", `${words.total} ${numberFormat.format(total)}`));
      return `${words.dice} ${f.dice.join(", ")}, ${words.total} ${total}`;
    },
  },
  {
    kind: "wheel",
    fits: (f) => isInt(f.number) && ["red", "black", "green"].includes(f.color),
    draw(f, box) {
      const chip = element("span", "bw-chip", String(f.number));
      chip.dataset.color = f.color;
      box.append(chip, element("span", "bw-chip-colour", words[f.color]));
      return `${f.number} ${words[f.color]}`;
    },
  },
  {
    kind: "baccarat",
    fits: (f) => ["Player", "Banker", "Tie"].includes(f.winner) && isInt(f.player) && isInt(f.banker),
    draw(f, box) {
      const winner = element("span", "bw-winner", words[f.winner.toLowerCase()]);
      winner.dataset.side = f.winner.toLowerCase();
      box.append(winner, element("span", "bw-scores", `${f.player} : ${f.banker}`));
      return `${words[f.winner.toLowerCase()]}: ${words.player} ${f.player}, ${words.banker} ${f.banker}`;
    },
  },
  {
    kind: "poker",
    fits: (f) => typeof f.combination === "string" && f.combination in words.combinations,
    draw(f, box) {
      box.append(element("span", "bw-hand", words.combinations[f.combination]));
      if (isInt(f.winningHand)) box.append(element("span", "bw-hand-number", `${words.hand} ${f.winningHand}`));
      return `${words.combinations[f.combination]}${isInt(f.winningHand) ? `, ${words.hand} ${f.winningHand}` : ""}`;
    },
  },
  {
    kind: "keno",
    fits: (f) => Array.isArray(f.numbers) && f.numbers.length >= 5 && f.numbers.every(isInt),
    draw(f, box) {
      const grid = element("span", "bw-keno");
      for (const number of f.numbers) grid.append(element("span", "", String(number)));
      box.append(grid);
      return `${words.numbers}: ${f.numbers.join(", ")}`;
    },
  },
];

const relativeTime = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
function ago(ms) {
  const seconds = Math.round((ms - (Date.now() + state.clockOffset)) / 1000);
  if (seconds > -60) return relativeTime.format(Math.min(0, seconds), "second");
  if (seconds > -3600) return relativeTime.format(Math.round(seconds / 60), "minute");
  return relativeTime.format(Math.round(seconds / 3600), "hour");
}

// The result drawn into ``box``; returns what a screen reader should hear.
function drawResult(result, box) {
  if (result.state === "cancelled") {
    box.append(element("span", "bw-cancelled", labels.states.cancelled));
    return labels.states.cancelled;
  }
  const fields = result.fields && typeof result.fields === "object" ? result.fields : null;
  const renderer = fields && RENDERERS.find((r) => r.fits(fields));
  if (!renderer) {
    box.append(element("span", "bw-result-text", result.text)); // unknown shapes: readable text, never empty
    return result.text;
  }
  box.dataset.kind = renderer.kind;
  return renderer.draw(fields, box);
}

let arrived = null; // the result that just came in slides in once

function resultItem(result) {
  const li = element("li", "bw-result");
  if (result.id === arrived && motionAllowed()) li.classList.add("bw-arrived");
  li.dataset.state = result.state;
  const draw = element("span", "bw-result-draw");
  const spoken = drawResult(result, draw);
  li.dataset.kind = draw.dataset.kind || "text";
  draw.setAttribute("aria-label", spoken);
  const meta = element("span", "bw-result-meta");
  meta.append(ltr(`#${idFormat.format(result.id)}`, "bw-result-round"));
  if (result.at) {
    const time = element("time", "bw-result-time", ago(result.at));
    time.dateTime = new Date(result.at).toISOString();
    meta.append(time);
  }
  li.append(draw, meta);
  return li;
}


document.addEventListener("click", (event) => {
  const more = event.target.closest && event.target.closest(".bw-more");
  if (!more) return;
  const t = Number(more.closest(".bw-game").dataset.t);
  if (expanded.has(t)) expanded.delete(t);
  else expanded.add(t);
  renderResults(t);
});

// A pot per game type and currency; t 0: one pot for all games; currency "": not named.
const jackpotFor = (t) => state.jackpots.get(`${t}:${config.currency}`) || state.jackpots.get(`${t}:`);

// Jackpots count up between polls at the rate of the last two, instead of jumping; a
// lower value (a win) shows at once.
const growth = new Map(); // key -> { value, at, rate }

function noteJackpot(row) {
  const key = `${row.t}:${row.currency}`;
  const now = Date.now();
  const last = growth.get(key);
  const rate = last && row.amount > last.value ? (row.amount - last.value) / Math.max(1, now - last.at) : 0;
  growth.set(key, { value: row.amount, at: now, rate });
}

function shownAmount(row) {
  const seen = growth.get(`${row.t}:${row.currency}`);
  if (!seen || !seen.rate || !motionAllowed()) return row.amount;
  // At most one poll interval ahead: without fresh data the count stops.
  return seen.value + seen.rate * Math.min(Date.now() - seen.at, 10000);
}

function renderJackpots() {
  const pooled = jackpotFor(0);
  for (const item of document.querySelectorAll(".bw-jackpot")) {
    const t = Number(item.dataset.t);
    const row = jackpotFor(t);
    item.hidden = t === 0 ? !row : !row && Boolean(pooled);
    if (t !== 0) $(".bw-jackpot-name", item).textContent = state.names[String(t)] || `#${t}`;
    $(".bw-jackpot-amount", item).textContent = row ? (row.currency ? moneyFormat : amountFormat).format(shownAmount(row)) : "—";
  }
}

function connectionState() {
  if (userPaused) return "updatesPaused";
  if (stopped) return "offline";
  if (!socketOpen && !firstConnect) return everOpen ? "reconnecting" : "starting";
  const shown = config.gameTypes.map((t) => state.games.get(t)).filter(Boolean);
  if (shown.length && shown.every((game) => game.maintenance)) return "maintenance";
  return state.feed === "live" || state.feed === "paused" ? state.feed : "reconnecting";
}

let lastConnection = null;
const STATE_ICONS = { live: "●", reconnecting: "↻", paused: "❚❚", maintenance: "⚠", offline: "✕", starting: "…", updatesPaused: "❚❚" };

function renderStatus() {
  const key = connectionState();
  const status = $(".bw-status");
  status.dataset.state = key;
  $(".bw-status-icon", status).textContent = STATE_ICONS[key] || "•";
  $(".bw-status-text", status).textContent = labels.status[key] || key;
  // The banner says why cards are dimmed and countdowns stopped.
  root.dataset.feed = key;
  const banner = $(".bw-banner");
  const why = labels.banner[key];
  banner.hidden = !why;
  banner.textContent = why || "";
  if (key !== lastConnection) {
    lastConnection = key;
    for (const t of config.gameTypes) {
      const item = gameItem(t);
      if (item) renderTiming(item, state.games.get(t) || {});
    }
    tellHost("connection", { state: key });
  }
}

// The admin changed this widget: the lists follow.
function newItem(templateId, t) {
  const item = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
  item.dataset.t = String(t);
  return item;
}

function rebuildLists() {
  $(".bw-jackpots").hidden = !config.showJackpots || playHidden();
  $(".bw-games").hidden = !config.showGames && !config.showResults;
  const games = config.gameTypes.map((t) => gameItem(t) || newItem("bw-game-template", t));
  for (const item of games) {
    $(".bw-round", item).hidden = !config.showGames;
    $(".bw-game-state", item).hidden = !config.showGames;
    $(".bw-results", item).hidden = !config.showResults;
    if (play) play.followConfig(item);
  }
  $(".bw-game-list").replaceChildren(...games);
  const pots = config.gameTypes.map((t) => $(`.bw-jackpot[data-t="${Number(t)}"]`) || newItem("bw-jackpot-template", t));
  $(".bw-jackpot-list").replaceChildren($('.bw-jackpot[data-t="0"]'), ...pots);
}

function renderAll() {
  for (const t of config.gameTypes) renderGame(t);
  renderJackpots();
  renderStatus();
}

// ---- applying protocol messages

function applySnapshot(message) {
  state.clockOffset = message.now - Date.now();
  state.games = new Map(message.games.map((game) => [game.t, game]));
  state.results = new Map(Object.entries(message.results).map(([t, list]) => [Number(t), list]));
  state.jackpots = new Map(message.jackpots.map((row) => [`${row.t}:${row.currency}`, row]));
  state.names = message.names || {};
  state.feed = (message.status && message.status.state) || "reconnecting";
  renderAll();
}

const handlers = {
  snapshot: applySnapshot,
  game(message) {
    state.games.set(message.t, { ...(state.games.get(message.t) || {}), ...message.changes });
    renderGame(message.t);
    renderStatus();
  },
  result(message) {
    const list = (state.results.get(message.t) || []).filter((r) => r.id !== message.result.id);
    list.unshift(message.result);
    list.sort((a, b) => b.id - a.id);
    state.results.set(message.t, list.slice(0, 10));
    arrived = message.result.id;
    renderResults(message.t);
    arrived = null;
    announce(`${labels.newResult}: ${state.names[String(message.t)] || ""} #${message.result.id} ${drawResult(message.result, element("span"))}`);
    tellHost("result", { gameType: message.t, result: message.result });
  },
  jackpots(message) {
    for (const row of message.rows) {
      noteJackpot(row);
      state.jackpots.set(`${row.t}:${row.currency}`, row);
    }
    renderJackpots();
    const shown = message.rows.filter((row) => config.gameTypes.includes(row.t));
    if (shown.length) tellHost("jackpot", { rows: shown });
  },
  names(message) {
    // Names in the viewer's language win over the snapshot's fallbacks.
    state.names = { ...state.names, ...message.names };
    renderAll();
  },
  config(message) {
    Object.assign(config, message.config);
    formatMoneyIn(config.currency);
    // A new href (with the theme's version) fetches the stylesheet again.
    const theme = $("link.bw-theme");
    if (theme && theme.getAttribute("href") !== message.theme) theme.href = message.theme;
    root.dataset.themeScheme = message.themeScheme;
    if (!new URLSearchParams(location.search).has("scheme")) root.dataset.scheme = message.themeScheme;
    rebuildLists();
    loadPlay();
    renderAll(); // the next snapshot fills in new games
  },
  status(message) {
    const recovered = message.resync || (message.state === "live" && state.feed !== "live");
    state.feed = message.state;
    renderStatus();
    // Changes may have been missed: a fresh snapshot, within 2 s at random (not all viewers at once).
    if (recovered) setTimeout(() => send({ type: "resync" }), Math.random() * 2000);
  },
};

// ---- polite, throttled announcements (at most one every 5 s)

let pendingAnnouncement = null;
let lastAnnounced = 0;
function announce(text) {
  pendingAnnouncement = text;
  const wait = Math.max(0, lastAnnounced + 5000 - Date.now());
  setTimeout(() => {
    if (pendingAnnouncement === null) return;
    $(".bw-announcer").textContent = pendingAnnouncement;
    pendingAnnouncement = null;
    lastAnnounced = Date.now();
  }, wait);
}

// ---- the socket, with exponential backoff and full jitter

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function wantsUpdates() {
  return !userPaused && document.visibilityState !== "hidden";
}

function saveData() {
  return Boolean(navigator.connection && navigator.connection.saveData);
}

function connect() {
  clearTimeout(retryTimer);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}${root.dataset.socket}`);
  socket.addEventListener("open", () => {
    socketOpen = everOpen = true;
    firstConnect = false;
    attempt = 0;
    if (!wantsUpdates()) send({ type: "pause" });
    if (saveData()) send({ type: "lite", on: true });
    renderStatus();
  });
  socket.addEventListener("message", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    // One message, or an array of those changed in the same tick.
    for (const message of Array.isArray(data) ? data : [data]) {
      const handler = message && handlers[message.type];
      if (handler) handler(message);
    }
  });
  socket.addEventListener("close", (event) => {
    socketOpen = firstConnect = false;
    socket = null;
    if (event.code === 4404 || event.code === 4410) {
      stopped = true; // unknown or switched off: retrying will not help
      renderStatus();
      return;
    }
    renderStatus();
    // Backoff with jitter: after a restart viewers come back spread over seconds.
    const delay = Math.min(30000, 1000 * 1.6 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    retryTimer = setTimeout(connect, delay);
  });
}

// ---- host page: size and events via postMessage, to the parent's origin only

// Posts to another origin log errors on the partner's page: messages wait for the
// parent's origin, from ancestorOrigins or embed.js's hello (sent by the parent window),
// one allowed to frame us (or ours: the admin preview).
const inFrame = window.parent !== window;
const mayFrame = (origin) => origin === location.origin || config.partnerOrigins.includes(origin);
const ancestor = location.ancestorOrigins && location.ancestorOrigins[0];
let hostOrigin = inFrame && ancestor && mayFrame(ancestor) ? ancestor : null;
const waiting = [];

function tellHost(event, detail = {}) {
  if (!inFrame) return;
  const message = { source: "betcore-widget", event, detail };
  if (hostOrigin) window.parent.postMessage(message, hostOrigin);
  else if (waiting.push(message) > 30) waiting.shift();
}

// The content's height, not the document's (never below the frame's): so it shrinks too.
const contentHeight = () => Math.ceil(root.getBoundingClientRect().height);

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || !mayFrame(event.origin)) return;
  if (event.data && event.data.source === "betcore-embed" && event.data.event === "hello") {
    hostSelects = event.data.select === true;
    hostOrigin = event.origin;
    for (const message of waiting.splice(0)) window.parent.postMessage(message, hostOrigin);
    tellHost("resize", { height: contentHeight() });
  }
});

// Also measured by the ticker: engines skip ResizeObserver in cross-origin frames out of view.
let lastHeight = 0;
function followContent() {
  if (!inFrame) return;
  const height = contentHeight();
  if (height !== lastHeight) {
    lastHeight = height;
    tellHost("resize", { height });
  }
}
new ResizeObserver(followContent).observe(root);

// ---- Play: play.js, fetched only for widgets with a play link. Hidden (with jackpots) per language or setting.
const playHidden = () => !!(config.play && (config.play.hide || config.play.hiddenLanguages.includes(lang)));
let play, hostSelects, playLoading;
function loadPlay() {
  if (playLoading || !(config.play && config.play.url)) return;
  playLoading = import(root.dataset.play).then((m) => {
    const widget = { config, state, lang, labels, send, tellHost, inFrame, mayFrame, playHidden };
    play = m.install(Object.assign(widget, { hostOrigin: () => hostOrigin, hostSelects: () => hostSelects }));
  });
}

// ---- attention: hidden pages and the pause control

document.addEventListener("visibilitychange", () => {
  send({ type: wantsUpdates() ? "resume" : "pause" });
});

const pauseButton = $(".bw-pause");
pauseButton.addEventListener("click", () => {
  userPaused = !userPaused;
  pauseButton.setAttribute("aria-pressed", String(userPaused));
  pauseButton.textContent = userPaused ? labels.resume : labels.pause;
  send({ type: wantsUpdates() ? "resume" : "pause" });
  renderStatus();
});

setInterval(() => {
  if (userPaused) return; // WCAG 2.2.2: a paused ticker does not move
  for (const t of config.gameTypes) {
    const item = gameItem(t);
    if (item) renderTiming(item, state.games.get(t) || {});
  }
  if (motionAllowed() && growth.size) renderJackpots();
  followContent();
}, 250);

setInterval(() => {
  if (!userPaused) for (const t of config.gameTypes) renderResults(t); // "2 min ago" moves on
}, 30000);

applySnapshot(readJson("bw-snapshot"));
loadPlay();
root.dataset.ready = "";
connect();
setTimeout(() => {
  if (!firstConnect) return;
  firstConnect = false;
  renderStatus();
}, 5000);
lastHeight = inFrame ? contentHeight() : 0;
tellHost("ready", { height: lastHeight });
