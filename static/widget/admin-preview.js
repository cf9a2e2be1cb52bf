// Admin: the live preview beside the theme and widget forms (the real widget page, framed),
// its width and colour-scheme switches, the contrast table, and ordering the game types.
"use strict";
(function () {
  // The theme fields' custom properties, fonts and radius bound: rendered by the server
  // from the same map the stylesheet is written from (theme form only).
  var themePreview = { variables: {}, fonts: {}, maxRadius: 24 };
  var HEX = /^#[0-9a-fA-F]{6}$/;

  var aside, frame, themeForm, widgetForm;
  var device = 360;
  var scheme = "light";

  function field(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function previewRoot() {
    var doc = frame && frame.contentDocument;
    return doc ? doc.querySelector(".bw-root") : null;
  }

  // The theme form's values straight into the framed page: no round trip, every keystroke.
  function applyTheme() {
    var root = previewRoot();
    if (!root || !themeForm) return;
    var variables = themePreview.variables;
    Object.keys(variables).forEach(function (name) {
      var input = field(themeForm, name);
      if (!input) return;
      if (HEX.test(input.value)) root.style.setProperty(variables[name], input.value);
      else if (!input.value) root.style.removeProperty(variables[name]);
    });
    var radius = field(themeForm, "corner_radius");
    if (radius && /^\d+$/.test(radius.value)) {
      root.style.setProperty("--widget-radius", Math.min(themePreview.maxRadius, Number(radius.value)) + "px");
    }
    var font = field(themeForm, "font_family");
    if (font && themePreview.fonts[font.value]) root.style.setProperty("--widget-font", themePreview.fonts[font.value]);
    var themeScheme = field(themeForm, "scheme");
    if (themeScheme) root.dataset.themeScheme = themeScheme.value;
  }

  function applyScheme() {
    var root = previewRoot();
    if (root) root.dataset.scheme = scheme;
  }

  // The widget form's values as the preview page's query (its socket follows them too).
  function widgetQuery() {
    var params = new URLSearchParams();
    var types = Array.prototype.map.call(widgetForm.querySelectorAll('input[name="game_types"]:checked'), function (box) {
      return box.value;
    });
    if (types.length) params.set("types", types.join(","));
    ["theme", "language", "currency"].forEach(function (name) {
      var input = field(widgetForm, name);
      if (input && input.value) params.set(name === "language" ? "lang" : name, input.value);
    });
    [["show_games", "games"], ["show_results", "results"], ["show_jackpots", "jackpots"]].forEach(function (pair) {
      var box = field(widgetForm, pair[0]);
      if (box) params.set(pair[1], box.checked ? "1" : "0");
    });
    // The play link and responsible-play line (the play inline), when set.
    [["url_template", "play"], ["age_mark", "age"], ["responsible_text", "rgtext"], ["responsible_url", "rgurl"],
      ["hidden_languages", "hidelangs"]].forEach(function (pair) {
      var input = field(widgetForm, "play-0-" + pair[0]);
      if (input && input.value) params.set(pair[1], input.value);
    });
    [["new_tab", "playtab"], ["hide_play", "hideplay"]].forEach(function (pair) {
      var box = field(widgetForm, "play-0-" + pair[0]);
      if (box && box.checked) params.set(pair[1], "1");
    });
    return params.toString();
  }

  function load() {
    var query = widgetForm ? widgetQuery() : aside.dataset.previewQuery;
    var src = aside.dataset.previewBase + "?" + query + (query ? "&" : "") + "scheme=" + scheme;
    if (frame.getAttribute("src") !== src) frame.setAttribute("src", src);
  }

  // The chosen device width, scaled down to fit the column (like a browser's device mode).
  function fit() {
    var stage = frame.parentElement;
    var scale = Math.min(1, stage.clientWidth / device);
    frame.style.width = device + "px";
    frame.style.height = Math.floor(stage.clientHeight / scale) + "px";
    frame.style.transform = "scale(" + scale + ")";
  }

  function press(buttons, chosen) {
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button === chosen));
    });
  }

  // ---- contrast, computed by the server (the same code that refuses a theme on save) ----------

  var contrastTimer = null;
  function refreshContrast() {
    var table = aside.querySelector(".bw-contrast");
    if (!table || !themeForm) return;
    clearTimeout(contrastTimer);
    contrastTimer = setTimeout(function () {
      var params = new URLSearchParams();
      Object.keys(themePreview.variables).forEach(function (name) {
        var input = field(themeForm, name);
        if (input) params.set(name, input.value);
      });
      params.set("scheme", field(themeForm, "scheme").value);
      fetch(table.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { showContrast(table, data); });
    }, 80);
  }

  var MARKS = { ok: "✓", warning: "⚠ low", refused: "✕ refused" };
  function showContrast(table, data) {
    var rows = {};
    var order = [];
    (data.checks || []).forEach(function (check) {
      if (!rows[check.label]) {
        rows[check.label] = {};
        order.push(check.label);
      }
      rows[check.label][check.mode] = check;
    });
    var body = table.querySelector("tbody");
    body.replaceChildren.apply(body, order.map(function (label) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      tr.appendChild(th);
      ["light", "dark"].forEach(function (mode) {
        var td = document.createElement("td");
        var check = rows[label][mode];
        td.dataset.verdict = check ? check.verdict : "";
        td.textContent = check ? check.ratio.toFixed(1) + ":1 " + MARKS[check.verdict] : "—";
        if (check) td.title = check.foreground + " on " + check.background;
        tr.appendChild(td);
      });
      return tr;
    }));
    var worst = (data.checks || []).filter(function (check) { return check.verdict !== "ok"; });
    aside.querySelector(".bw-contrast-note").textContent = data.error || (worst.length
      ? worst.length + " pair(s) under 4.5:1: saving warns under 4.5:1 and refuses under 3:1."
      : "Every pair reaches 4.5:1.");
  }

  // ---- game types: the order of the ticked boxes is the order shown -----------------------------

  function move(button) {
    var item = button.closest(".bw-order-item");
    var step = Number(button.dataset.move);
    var other = step < 0 ? item.previousElementSibling : item.nextElementSibling;
    if (!other) return;
    item.parentNode.insertBefore(item, step < 0 ? other : other.nextElementSibling);
    button.focus();
    item.dispatchEvent(new Event("change", { bubbles: true }));
  }

  var reloadTimer = null;
  function widgetChanged() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 150);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(".bw-move");
      if (button) move(button);
    });
    aside = document.querySelector(".bw-preview-aside");
    if (!aside) return;
    frame = aside.querySelector(".bw-preview");
    themeForm = document.querySelector("#theme_form");
    var data = document.getElementById("bw-theme-preview");
    if (data) themePreview = JSON.parse(data.textContent);
    widgetForm = document.querySelector("#widget_form");
    var devices = Array.prototype.slice.call(aside.querySelectorAll(".bw-device"));
    devices.forEach(function (button) {
      button.addEventListener("click", function () {
        device = Number(button.dataset.width);
        press(devices, button);
        fit();
      });
    });
    var schemes = Array.prototype.slice.call(aside.querySelectorAll(".bw-scheme"));
    schemes.forEach(function (button) {
      button.addEventListener("click", function () {
        scheme = button.dataset.scheme;
        press(schemes, button);
        applyScheme();
      });
    });
    frame.addEventListener("load", function () {
      applyScheme();
      applyTheme();
      // Play and the responsible-play link show in the preview but do not leave the admin.
      if (frame.contentDocument) {
        frame.contentDocument.addEventListener("click", function (event) {
          if (event.target.closest && event.target.closest(".bw-play, .bw-responsible-link")) {
            event.preventDefault();
            event.stopImmediatePropagation();
          }
        }, true);
      }
    });
    if (themeForm) {
      themeForm.addEventListener("input", function () {
        applyTheme();
        refreshContrast();
      });
      themeForm.addEventListener("change", function () {
        applyTheme();
        refreshContrast();
      });
      refreshContrast();
    }
    if (widgetForm) {
      widgetForm.addEventListener("change", widgetChanged);
      widgetForm.addEventListener("input", function (event) {
        if (event.target.name === "currency") widgetChanged();
      });
    }
    window.addEventListener("resize", fit);
    fit();
    load();
  });
})();
