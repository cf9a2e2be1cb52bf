// Embed a BETCORE live-feed widget: <script src="https://WIDGET-HOST/static/widget/embed.js"
//   data-widget="PUBLIC_ID" data-lang="ru" data-scheme="dark" async></script>
// The iframe follows the widget's height; the host page receives DOM events named
// "betcore:ready", "betcore:resize", "betcore:connection", "betcore:result", "betcore:jackpot"
// on the script's container element (event.detail carries the data).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.widget) {
    if (window.console) console.error("betcore embed: data-widget is required on the script tag");
    return;
  }
  var widgetOrigin = new URL(script.src, location.href).origin;
  var params = new URLSearchParams();
  if (script.dataset.lang) params.set("lang", script.dataset.lang);
  if (script.dataset.scheme) params.set("scheme", script.dataset.scheme);
  var query = params.toString();
  var frame = document.createElement("iframe");
  frame.src = widgetOrigin + "/w/" + encodeURIComponent(script.dataset.widget) + "/" + (query ? "?" + query : "");
  frame.title = script.dataset.title || "Live games";
  frame.loading = "lazy";
  frame.setAttribute("scrolling", "no");
  frame.style.cssText = "border:0;width:100%;display:block;height:" + (script.dataset.height || "320") + "px;overflow:hidden";
  var container = document.createElement("div");
  container.className = "betcore-widget";
  container.appendChild(frame);
  script.parentNode.insertBefore(container, script);

  window.addEventListener("message", function (event) {
    // Only our widget's origin, and only this iframe's window, may talk to us.
    if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.source !== "betcore-widget" || typeof data.event !== "string") return;
    if ((data.event === "resize" || data.event === "ready") && data.detail && data.detail.height > 0) {
      frame.style.height = Math.min(Math.ceil(data.detail.height), 5000) + "px";
    }
    container.dispatchEvent(new CustomEvent("betcore:" + data.event, { detail: data.detail, bubbles: true }));
  });
  frame.addEventListener("load", function () {
    frame.contentWindow.postMessage({ source: "betcore-embed", event: "hello" }, widgetOrigin);
  });
})();
