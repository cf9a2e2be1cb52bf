// Admin: embed snippets (script tag or a plain iframe that follows the widget's height),
// built here only, for the embed builder on a widget's page and the widget list's buttons.
"use strict";
(function () {
  var origin = location.origin; // the admin is served from the widget host

  // As embed.js sets it: scripts and the widget's own origin, a new tab for Play, and top
  // navigation only on the viewer's tap.
  var SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation";

  // The host page's side of Play (embed.js only): keep the viewer and open the game its own way.
  var SELECT_EXAMPLE = [
    "<script>",
    "// A viewer tapped Play in the widget: event.detail is { gameType, roundId, url }.",
    "// Call preventDefault() to stay on this page; without it the widget opens url.",
    'document.addEventListener("betcore:select", function (event) {',
    "  event.preventDefault();",
    "  openGame(event.detail.gameType, event.detail.roundId); // your own code, e.g. a modal",
    "});",
    "</script>",
  ].join("\n");

  function attribute(name, value) {
    return value ? " " + name + '="' + value + '"' : "";
  }

  function scriptSnippet(id, lang, scheme) {
    return '<script src="' + origin + '/static/widget/embed.js"' + attribute("data-widget", id) +
      attribute("data-lang", lang) + attribute("data-scheme", scheme) + " async></script>";
  }

  // No fixed height: a few lines listen for the widget's size messages (only from its
  // origin and its own frame) and set the frame's height, as embed.js does. The hello on
  // load tells the widget this page's origin (it posts only there) in engines without
  // location.ancestorOrigins.
  function iframeSnippet(id, lang, scheme) {
    var frameId = "betcore-" + id;
    var fixed = new URLSearchParams();
    if (lang && lang !== "page") fixed.set("lang", lang);
    if (scheme) fixed.set("scheme", scheme);
    var src = origin + "/w/" + id + "/";
    var setSrc = lang === "page"
      ? 'var q=new URLSearchParams("' + fixed.toString() + '"),l=(document.documentElement.lang||"").slice(0,2);' +
        'if(l)q.set("lang",l);f.src="' + src + '"+(q.toString()?"?"+q:"");'
      : 'f.src="' + src + (fixed.toString() ? "?" + fixed.toString() : "") + '";';
    return '<iframe id="' + frameId + '" title="Live games" scrolling="no" sandbox="' + SANDBOX + '" style="border:0;width:100%;height:640px;display:block"></iframe>\n' +
      "<script>(function(){var f=document.getElementById(\"" + frameId + "\");" +
      'f.onload=function(){f.contentWindow.postMessage({source:"betcore-embed",event:"hello"},"' + origin + '");};' + setSrc +
      'addEventListener("message",function(e){var d=e.data;if(e.origin!=="' + origin + '"||e.source!==f.contentWindow||!d||' +
      'd.source!=="betcore-widget"||!d.detail||!(d.detail.height>0))return;' +
      'f.style.height=Math.min(5000,Math.ceil(d.detail.height))+"px";});})();</script>';
  }

  function copy(text, button) {
    var done = function () {
      var label = button.dataset.label || button.textContent;
      button.dataset.label = label;
      button.textContent = "Copied";
      clearTimeout(button.resetTimer);
      button.resetTimer = setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Copy failed: select and copy"; });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var builder = document.querySelector(".bw-embed");
    if (builder) {
      var id = builder.dataset.widget;
      var lang = document.getElementById("bw-embed-lang");
      var scheme = document.getElementById("bw-embed-scheme");
      var update = function () {
        document.getElementById("bw-embed-script").value = scriptSnippet(id, lang.value, scheme.value);
        document.getElementById("bw-embed-iframe").value = iframeSnippet(id, lang.value, scheme.value);
      };
      var example = document.getElementById("bw-embed-select");
      if (example) example.value = SELECT_EXAMPLE;
      lang.addEventListener("change", update);
      scheme.addEventListener("change", update);
      update();
    }
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest(".bw-copy, .bw-copy-snippet");
      if (!target) return;
      if (target.classList.contains("bw-copy-snippet")) {
        copy(scriptSnippet(target.dataset.widget, "page", ""), target);
        return;
      }
      var area = document.getElementById(target.dataset.copy);
      area.select();
      copy(area.value, target);
    });
  });
})();
