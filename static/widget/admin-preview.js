// Admin: copy buttons for embed snippets, and a live theme preview while editing.
"use strict";
(function () {
  var fonts = {
    system: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    humanist: '"Segoe UI", "Trebuchet MS", "Lucida Grande", Ubuntu, sans-serif',
    serif: 'Georgia, Cambria, "Times New Roman", serif',
    rounded: '"SF Pro Rounded", "Nunito", "Varela Round", system-ui, sans-serif',
    mono: 'ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace'
  };
  var fields = { background: "--widget-bg", surface: "--widget-surface", text: "--widget-text", accent: "--widget-accent",
    positive: "--widget-positive", negative: "--widget-negative" };

  function applyPreview() {
    var frame = document.querySelector(".bw-preview");
    var form = document.querySelector("#theme_form");
    if (!frame || !form || !frame.contentDocument) return;
    var root = frame.contentDocument.querySelector(".bw-root");
    if (!root) return;
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input && /^#[0-9a-fA-F]{6}$/.test(input.value)) root.style.setProperty(fields[name], input.value);
    });
    var radius = form.querySelector('[name="corner_radius"]');
    if (radius && /^\d+$/.test(radius.value)) root.style.setProperty("--widget-radius", Math.min(24, Number(radius.value)) + "px");
    var font = form.querySelector('[name="font_family"]');
    if (font && fonts[font.value]) root.style.setProperty("--widget-font", fonts[font.value]);
    var scheme = form.querySelector('[name="scheme"]');
    if (scheme) root.dataset.scheme = scheme.value;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".bw-copy").forEach(function (button) {
      button.addEventListener("click", function () {
        var area = document.getElementById(button.dataset.copy);
        area.select();
        navigator.clipboard.writeText(area.value).then(function () { button.textContent = "Copied"; });
      });
    });
    var form = document.querySelector("#theme_form");
    var frame = document.querySelector(".bw-preview");
    if (form && frame) {
      form.addEventListener("input", applyPreview);
      form.addEventListener("change", applyPreview);
      frame.addEventListener("load", applyPreview);
    }
  });
})();
