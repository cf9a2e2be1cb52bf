// The widget could not be shown: tell the host page why (a reason code, nothing else),
// so embed.js can fire "betcore:error" and size the frame to this short message.
(function () {
  "use strict";
  if (window.parent === window) return;
  var root = document.querySelector(".bw-root");
  var detail = { reason: root.dataset.reason, height: Math.ceil(root.getBoundingClientRect().height) };
  // "*": the message carries only a public reason code, and the page has no partner list to check.
  window.parent.postMessage({ source: "betcore-widget", event: "error", detail: detail }, "*");
})();
