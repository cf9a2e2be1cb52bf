// What the page says (labels, config, language) and the state the widget's modules share.
export const $ = (selector, root = document) => root.querySelector(selector);
export const readJson = (id) => JSON.parse(document.getElementById(id).textContent);

export const root = $(".bw-root");
export const labels = readJson("bw-labels");
export const config = readJson("bw-config");
export const lang = document.documentElement.lang;
// Numbers are formatted here only: first paint and live updates follow the same CLDR rules.
export const numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
export const idFormat = new Intl.NumberFormat(lang, { useGrouping: false }); // ids: no grouping
export const amountFormat = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const money = { format: amountFormat };
export function formatMoneyIn(currency) {
  try {
    money.format = new Intl.NumberFormat(lang, { style: "currency", currency, minimumFractionDigits: 2 });
  } catch {
    money.format = amountFormat;
  }
}
formatMoneyIn(config.currency);

export const state = { games: new Map(), results: new Map(), jackpots: new Map(), names: {}, feed: "starting", clockOffset: 0 };
// The connection and the viewer's choices, set by widget.js. Until the first socket opens
// (or fails, or 5 s pass) the rendered state stands: no "reconnecting" flash at every load.
export const session = { socketOpen: false, firstConnect: true, everOpen: false, userPaused: false, stopped: false, play: null };

// Motion only if the viewer asked neither for less nor for a pause.
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
export const motionAllowed = () => !reducedMotion.matches && !session.userPaused;

// Play hides (with jackpots) per language or setting.
export const playHidden = () => !!(config.play && (config.play.hide || config.play.hiddenLanguages.includes(lang)));
