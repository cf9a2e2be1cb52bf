// Embed a BETCORE live-feed widget: <script src="https://WIDGET-HOST/static/widget/embed.js"
//   data-widget="PUBLIC_ID" data-lang="ru" data-scheme="dark" async></script>
// data-lang="page" takes the host page's <html lang>.
// The iframe follows the widget's height (shrinking too), starting from the height this
// widget last had on this browser so the page does not jump. To keep content below the
// widget from moving when the frame appears (after the page's first paint: the script is
// async), give the script's container a min-height. The host page receives DOM events
// "betcore:ready", "betcore:resize", "betcore:connection", "betcore:result",
// "betcore:jackpot" and "betcore:error" (detail.reason: "unknown-widget", "unavailable",
// "unreachable") on the script's container element. Event details carry feed text:
// treat it as untrusted text, never insert it as HTML.
// "betcore:select" (detail: gameType, roundId, url) comes when a viewer taps Play and is
// cancelable: call event.preventDefault() to keep the viewer on the page (and open the
// game your own way); otherwise the widget follows the link in the top window.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.widget) {
    if (window.console) console.error("betcore embed: data-widget is required on the script tag");
    return;
  }
  var widgetOrigin = new URL(script.src, location.href).origin;
  var params = new URLSearchParams();
  // data-lang="page": the host page's own language (<html lang>), if it has one.
  var lang = script.dataset.lang === "page" ? (document.documentElement.lang || "").slice(0, 2) : script.dataset.lang;
  if (lang) params.set("lang", lang);
  if (script.dataset.scheme) params.set("scheme", script.dataset.scheme);
  var query = params.toString();
  var frame = document.createElement("iframe");
  frame.src = widgetOrigin + "/w/" + encodeURIComponent(script.dataset.widget) + "/" + (query ? "?" + query : "");
  frame.title = script.dataset.title || "Live games";
  frame.loading = "lazy";
  frame.setAttribute("scrolling", "no");
  // The widget may run its script and keep its own origin (its socket and the origin
  // checks need it), open a new tab for Play if the widget says so, and navigate this
  // page only on the viewer's tap; nothing else (no forms, dialogs, downloads).
  frame.setAttribute(
    "sandbox",
    "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
  );
  // Per language too: the same widget in Russian is taller than in English.
  var heightKey = "betcore-widget-height:" + script.dataset.widget + ":" + (lang || "");
  var remembered = 0;
  try {
    remembered = parseInt(localStorage.getItem(heightKey), 10) || 0;
  } catch (error) {
    /* storage blocked: use the default */
  }
  // A phone-sized widget with four games is about 700 px tall: a better guess than nothing.
  var initial = remembered || parseInt(script.dataset.height, 10) || 640;
  frame.style.cssText = "border:0;width:100%;display:block;height:" + initial + "px;overflow:hidden";
  var container = document.createElement("div");
  container.className = "betcore-widget";
  container.appendChild(frame);
  script.parentNode.insertBefore(container, script);

  var heard = false;
  // Each embed listens for its own frame only (event.source), however many frames of the
  // same widget the page holds.
  window.addEventListener("message", function (event) {
    // Only our widget's origin, and only this iframe's window, may talk to us.
    if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.source !== "betcore-widget" || typeof data.event !== "string") return;
    heard = true;
    if (data.event === "select") {
      select(data.detail || {});
      return;
    }
    var sized = data.event === "resize" || data.event === "ready" || data.event === "error";
    if (sized && data.detail && data.detail.height > 0) {
      var height = Math.min(Math.ceil(data.detail.height), 5000);
      frame.style.height = height + "px";
      if (data.event !== "error") {
        try {
          localStorage.setItem(heightKey, String(height));
        } catch (error) {
          /* storage blocked or full: the next load starts from the default */
        }
      }
    }
    container.dispatchEvent(new CustomEvent("betcore:" + data.event, { detail: data.detail, bubbles: true }));
  });
  // A tap on Play: the page may take it (preventDefault); the widget hears whether it did.
  function select(detail) {
    var event = new CustomEvent("betcore:select", {
      detail: { gameType: detail.gameType, roundId: detail.roundId, url: detail.url },
      bubbles: true,
      cancelable: true,
    });
    var prevented = !container.dispatchEvent(event);
    frame.contentWindow.postMessage(
      { source: "betcore-embed", event: "select-result", id: detail.id, prevented: prevented },
      widgetOrigin
    );
  }
  // A widget host that cannot be reached never says anything: tell the page after a while.
  // The clock starts only once the browser was asked to load the frame: a lazy frame far
  // below the fold is not late, it has not been asked yet.
  var timing = false;
  function expectAnswer() {
    if (timing) return;
    timing = true;
    setTimeout(function () {
      if (heard) return;
      container.dispatchEvent(new CustomEvent("betcore:error", { detail: { reason: "unreachable" }, bubbles: true }));
    }, 20000);
  }
  if (window.IntersectionObserver) {
    var seen = new IntersectionObserver(function (entries) {
      if (!entries[entries.length - 1].isIntersecting) return;
      seen.disconnect();
      expectAnswer();
    });
    seen.observe(frame);
  } else {
    expectAnswer();
  }
  // The widget posts only to its parent's origin; engines without location.ancestorOrigins
  // learn it from this hello (sent by the parent window itself, which the widget checks).
  frame.addEventListener("load", function () {
    expectAnswer();
    frame.contentWindow.postMessage({ source: "betcore-embed", event: "hello", select: true }, widgetOrigin);
  });
})();
