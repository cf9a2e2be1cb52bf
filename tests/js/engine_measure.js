// What tests/test_engines.py reads from the widget's own document, the same in every engine:
// evaluated as one expression by Playwright (Chromium), Selenium (WebKit) and puppeteer (Firefox).
// Returns plain JSON.
(() => {
  const root = document.querySelector(".bw-root");
  if (!root) {
    // A frame still loading.
    return { status: `no widget in ${location.href}`, games: [], text: "", contentHeight: 0, overflowX: 0 };
  }
  // Laid out: takes room on the page, even when invisible (the "More" toggle keeps its room while hidden).
  const laidOut = (element) => element.getClientRects().length > 0;
  // Shown: laid out and visible, whatever hides it (an attribute, a class, a style sheet).
  const shown = (element) => laidOut(element) && getComputedStyle(element).visibility === "visible";
  const describe = (element) =>
    element.tagName.toLowerCase() + (element.className ? `.${String(element.className).split(/\s+/).join(".")}` : "");
  // Line boxes of an element's text: distinct tops of its text's client rects (2 px tolerance).
  const lineCount = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = [];
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && rect.height > 0 && !tops.some((top) => Math.abs(top - rect.top) <= 2)) tops.push(rect.top);
    }
    return tops.length;
  };
  // Results drawn by their game's renderer, or cancelled rounds (said as such); "raw" results are
  // shown as the feed's text because no renderer recognised them.
  const DRAWN = '.bw-result:not(.bw-empty):not([data-kind="text"]), .bw-result[data-state="cancelled"]';
  const RAW = '.bw-result[data-kind="text"]:not([data-state="cancelled"])';
  const games = [...document.querySelectorAll(".bw-game")].filter(shown).map((game) => {
    const head = game.querySelector(".bw-game-head");
    const parts = [...head.children].filter(laidOut).map((part) => {
      const box = part.getBoundingClientRect();
      const text = part.textContent.trim();
      return { part: describe(part), text, top: box.top, bottom: box.bottom, lines: lineCount(part) };
    });
    const headBox = head.getBoundingClientRect();
    // Rows of parts: a part that starts below the bottom of the row so far starts another row
    // (parts of one row may sit a few px apart: the header aligns them on their baseline).
    let rows = 0;
    let rowBottom = -Infinity;
    for (const part of [...parts].sort((a, b) => a.top - b.top)) {
      if (part.top >= rowBottom) {
        rows += 1;
        rowBottom = part.bottom;
      } else {
        rowBottom = Math.max(rowBottom, part.bottom);
      }
    }
    const span = parts.length ? Math.max(...parts.map((p) => p.bottom)) - Math.min(...parts.map((p) => p.top)) : 0;
    // Clipped: content wider than its box. Visually hidden text is clipped on purpose (for readers);
    // inline elements have no box of their own (clientWidth 0: their overflow shows on their block).
    const clipped = [game, ...game.querySelectorAll("*")]
      .filter((element) => shown(element) && !element.closest(".bw-visually-hidden"))
      .filter((element) => getComputedStyle(element).display !== "inline")
      .filter((element) => element.scrollWidth > element.clientWidth)
      .map((element) => `${describe(element)} ${element.scrollWidth}>${element.clientWidth}`);
    const round = game.querySelector(".bw-round");
    const state = game.querySelector(".bw-state");
    const first = game.querySelector(".bw-result:not(.bw-empty) .bw-result-round");
    return {
      t: game.dataset.t,
      name: game.querySelector(".bw-game-name").textContent.trim(),
      head: { height: headBox.height, span, rows, parts },
      clipped,
      drawn: game.querySelectorAll(DRAWN).length,
      raw: [...game.querySelectorAll(RAW)].map((result) => result.textContent),
      // What only the socket changes: the round, the phase (the clock alone only closes betting),
      // the newest result.
      signature: [
        round ? round.textContent : "",
        state ? state.dataset.state.replace("bettingClosed", "betting") : "",
        first ? first.textContent : "",
      ].join("|"),
    };
  });
  const html = document.documentElement;
  return {
    status: document.querySelector(".bw-status").dataset.state,
    feed: root.dataset.feed,
    games,
    text: root.innerText,
    contentHeight: root.getBoundingClientRect().height,
    viewport: { width: window.innerWidth, height: window.innerHeight },
    overflowX: html.scrollWidth - html.clientWidth,
  };
})()
