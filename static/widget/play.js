// Play: each card's link to the partner's game page, unless the host page takes the tap
// (betcore:select). Fetched by widget.js only for widgets with a play link, so that a
// widget without one does not carry it.
const $ = (selector, root = document) => root.querySelector(selector);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

// The card's Play link; the page has none when the play link was set after it was rendered.
function linkOf(item, labels) {
  let link = $(".bw-play", item);
  if (!link) {
    const spoken = element("span", "bw-visually-hidden", " ");
    spoken.append(element("span", "bw-play-name"), element("span", "bw-new-tab", ` (${labels.opensInNewTab})`));
    link = element("a", "bw-play", labels.play);
    link.rel = "noopener";
    link.append(spoken);
    item.append(link);
  }
  return link;
}

export function install(widget) {
  const { config, state, lang, send, tellHost, inFrame, labels } = widget;
  const shown = () => Boolean(config.play && config.play.url) && !widget.playHidden();
  if (!document.querySelector("link[data-play-css]")) {
    const sheet = element("link");
    sheet.rel = "stylesheet";
    sheet.href = new URL("play.css", import.meta.url).href;
    sheet.dataset.playCss = "";
    document.head.append(sheet);
  }

  function href(t) {
    const round = (state.games.get(t) || {}).round;
    return config.play.url
      .replaceAll("{gameType}", String(Number(t)))
      .replaceAll("{lang}", encodeURIComponent(lang))
      .replaceAll("{roundId}", Number.isInteger(round) ? String(round) : "");
  }

  function followConfig(item) {
    const link = linkOf(item, labels);
    link.hidden = !shown();
    link.target = config.play && config.play.newTab ? "_blank" : "_top";
    $(".bw-new-tab", link).hidden = !(config.play && config.play.newTab);
  }

  function render(item, t) {
    const link = $(".bw-play", item);
    if (!link || !shown()) return;
    link.href = href(t); // the round moves on: the link follows
    $(".bw-play-name", link).textContent = state.names[String(t)] || `#${t}`;
  }

  let selectId = 0;
  const pending = new Map(); // id -> answer(prevented)

  // Whether the host page called preventDefault() on betcore:select; false if it does not answer in time.
  function askHost(detail) {
    const id = ++selectId;
    return new Promise((resolve) => {
      const answer = (prevented) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(prevented);
      };
      const timer = setTimeout(() => answer(false), 1000);
      pending.set(id, answer);
      tellHost("select", { ...detail, id });
    });
  }

  // Within the tap's user activation: a sandboxed frame may navigate the top window only then.
  function follow(url) {
    if (config.play.newTab) window.open(url, "_blank", "noopener");
    else if (inFrame) window.top.location.href = url;
    else location.href = url;
  }

  let selecting = false;
  const lastTaps = new Map(); // game type -> when its tap was sent
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest(".bw-play");
    if (!link || !shown()) return;
    const t = Number(link.closest(".bw-game").dataset.t);
    // Counted by the server at most once a minute per game; not sent more often either, so
    // repeated taps on a page that keeps the viewer never trip the socket's message limit.
    if (!(Date.now() - (lastTaps.get(t) || -Infinity) < 60000)) {
      lastTaps.set(t, Date.now());
      send({ type: "tap", t });
    }
    // A middle or modified click opens a tab the browser's own way.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (selecting) return;
    const url = link.href;
    if (!(inFrame && widget.hostOrigin() && widget.hostSelects())) {
      follow(url);
      return;
    }
    selecting = true;
    const round = (state.games.get(t) || {}).round;
    askHost({ gameType: t, roundId: Number.isInteger(round) ? round : null, url }).then((prevented) => {
      selecting = false;
      if (!prevented) follow(url);
    });
  });

  // embed.js's answer to betcore:select, from the parent only, as widget.js checks its messages.
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== window.parent || !widget.mayFrame(event.origin) || !data) return;
    if (data.source === "betcore-embed" && data.event === "select-result" && pending.has(data.id)) {
      pending.get(data.id)(data.prevented === true);
    }
  });

  for (const item of document.querySelectorAll(".bw-game")) {
    followConfig(item);
    render(item, Number(item.dataset.t));
  }
  return { render, followConfig };
}
