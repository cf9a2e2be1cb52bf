// Results drawn per game, for the first paint and live updates. Feed text only as textContent.
import { labels, lang, numberFormat, idFormat, state, motionAllowed } from "./page.js";

const words = labels.result;
export const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};
const DIE_FACES = ["⚀", "⚁", "⚂", "⚃", "⚄", "⚅"];
const isInt = (value) => Number.isInteger(value);
// Ids and amounts stay left-to-right in right-to-left text ([dir] isolates).
export const ltr = (text, className) => Object.assign(element("span", className, text), { dir: "ltr" });

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
export function drawResult(result, box) {
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

// One result's list item; ``arrived`` (the result that just came in) slides in once.
export function resultItem(result, arrived = null) {
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
