// Drives Debian's firefox-esr for tests/test_engines.py through puppeteer-core over WebDriver BiDi
// (no geckodriver, no browser download). One browser for the whole test module.
// Usage: node engine_firefox.js /usr/bin/firefox-esr
// Reads one JSON command per line on stdin, answers one JSON line per command on stdout:
//   {"op": "open", "url", "width", "height"}  a new page at that viewport; console errors start afresh
//   {"op": "evaluate", "frame": "top"|"widget", "expression"}  -> {"value"}
//   {"op": "screenshot", "path"}              full page, PNG
//   {"op": "errors"}                          -> {"value": [...]}: console errors and uncaught
//                                                exceptions of every frame since "open"
//   {"op": "close"}
// A failed command answers {"error": "..."}; the browser stays up for the next one.
"use strict";
const readline = require("node:readline");
const puppeteer = require("puppeteer-core");

const executablePath = process.argv[2] || "/usr/bin/firefox-esr";
let browser = null;
let page = null;
let errors = [];

// The frame showing /w/<id>/ (embed.js may create it late, and it loads lazily).
function widgetFrame() {
  return page.waitForFrame((frame) => /\/w\/[^/]+\//.test(frame.url()), { timeout: 20000 });
}

const commands = {
  async open({ url, width, height }) {
    if (page) await page.close();
    errors = [];
    page = await browser.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url || "?"})`);
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    await page.setViewport({ width, height });
    await page.goto(url, { waitUntil: "load" });
    return {};
  },
  async evaluate({ frame, expression }) {
    const target = frame === "widget" ? await widgetFrame() : page.mainFrame();
    return { value: await target.evaluate(expression) };
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
    return {};
  },
  async errors() {
    return { value: errors.slice() };
  },
};

async function main() {
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath,
    headless: true,
    // Phones draw overlay scrollbars; a classic 12 px gutter would make the viewport narrower than asked.
    extraPrefsFirefox: { "ui.useOverlayScrollbars": 1 },
  });
  const say = (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`);
  say({ ready: true, version: await browser.version() });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    if (command.op === "close") break;
    try {
      say(await commands[command.op](command));
    } catch (error) {
      say({ error: String((error && error.stack) || error) });
    }
  }
  await browser.close();
}

main().catch(async (error) => {
  process.stdout.write(`${JSON.stringify({ error: String((error && error.stack) || error) })}\n`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
