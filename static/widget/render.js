// Rendering: the game cards (state, countdown, results), the jackpots, the connection status.
import { $, root, labels, config, idFormat, amountFormat, money, state, session, motionAllowed, playHidden } from "./page.js";
import { element, ltr, resultItem } from "./results.js";
import { tellHost } from "./host.js";

const gameItem = (t) => $(`.bw-game[data-t="${Number(t)}"]`);

export function renderGame(t) {
  const item = gameItem(t);
  if (!item) return;
  const game = state.games.get(t) || {};
  $(".bw-game-name", item).textContent = state.names[String(t)] || `#${t}`;
  const round = $(".bw-round", item);
  if (round) round.replaceChildren(...(game.round ? [`${labels.round} `, ltr(idFormat.format(game.round))] : []));
  renderTiming(item, game);
  renderResults(t);
  if (session.play) session.play.render(item, t);
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
  const live = state.feed === "live" && (session.socketOpen || session.firstConnect);
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

// Every card's state and countdown: each tick, and when the connection changes.
export function renderTimings() {
  for (const t of config.gameTypes) {
    const item = gameItem(t);
    if (item) renderTiming(item, state.games.get(t) || {});
  }
}

const RESULTS_SHOWN = 3; // four games fit a phone screen; "more" shows the rest
const expanded = new Set();

// ``arrived``: the id of the result that just came in (it slides in once).
export function renderResults(t, arrived = null) {
  const list = $(`.bw-game[data-t="${Number(t)}"] .bw-results`);
  if (!list) return;
  const all = state.results.get(t) || [];
  const results = all.slice(0, expanded.has(t) ? 10 : RESULTS_SHOWN);
  const items = results.map((result) => resultItem(result, arrived));
  if (!items.length) items.push(element("li", "bw-result bw-empty", labels.noResults));
  list.replaceChildren(...items);
  const more = $(`.bw-game[data-t="${Number(t)}"] .bw-more`);
  if (more) {
    more.hidden = !config.showResults || all.length <= RESULTS_SHOWN;
    more.setAttribute("aria-expanded", String(expanded.has(t)));
    more.textContent = expanded.has(t) ? labels.less : labels.more;
    more.setAttribute("aria-label", expanded.has(t) ? labels.fewerResults : labels.moreResults);
  }
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
export const growth = new Map(); // key -> { value, at, rate }

export function noteJackpot(row) {
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

export function renderJackpots() {
  const pooled = jackpotFor(0);
  for (const item of document.querySelectorAll(".bw-jackpot")) {
    const t = Number(item.dataset.t);
    const row = jackpotFor(t);
    item.hidden = t === 0 ? !row : !row && Boolean(pooled);
    if (t !== 0) $(".bw-jackpot-name", item).textContent = state.names[String(t)] || `#${t}`;
    $(".bw-jackpot-amount", item).textContent = row ? (row.currency ? money.format : amountFormat).format(shownAmount(row)) : "—";
  }
}

function connectionState() {
  if (session.userPaused) return "updatesPaused";
  if (session.stopped) return "offline";
  if (!session.socketOpen && !session.firstConnect) return session.everOpen ? "reconnecting" : "starting";
  const shown = config.gameTypes.map((t) => state.games.get(t)).filter(Boolean);
  if (shown.length && shown.every((game) => game.maintenance)) return "maintenance";
  return state.feed === "live" || state.feed === "paused" ? state.feed : "reconnecting";
}

let lastConnection = null;
const STATE_ICONS = { live: "●", reconnecting: "↻", paused: "❚❚", maintenance: "⚠", offline: "✕", starting: "…", updatesPaused: "❚❚" };

export function renderStatus() {
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
    renderTimings();
    tellHost("connection", { state: key });
  }
}

// The admin changed this widget: the lists follow.
function newItem(templateId, t) {
  const item = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
  item.dataset.t = String(t);
  return item;
}

export function rebuildLists() {
  $(".bw-jackpots").hidden = !config.showJackpots || playHidden();
  $(".bw-games").hidden = !config.showGames && !config.showResults;
  const games = config.gameTypes.map((t) => gameItem(t) || newItem("bw-game-template", t));
  for (const item of games) {
    $(".bw-round", item).hidden = !config.showGames;
    $(".bw-game-state", item).hidden = !config.showGames;
    $(".bw-results", item).hidden = !config.showResults;
    if (session.play) session.play.followConfig(item);
  }
  $(".bw-game-list").replaceChildren(...games);
  const pots = config.gameTypes.map((t) => $(`.bw-jackpot[data-t="${Number(t)}"]`) || newItem("bw-jackpot-template", t));
  $(".bw-jackpot-list").replaceChildren($('.bw-jackpot[data-t="0"]'), ...pots);
}

export function renderAll() {
  for (const t of config.gameTypes) renderGame(t);
  renderJackpots();
  renderStatus();
}
