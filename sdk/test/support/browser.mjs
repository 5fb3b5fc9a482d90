// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), a fresh profile per test.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const executablePath = "/usr/bin/chromium";
// Without the background-networking flags Chromium keeps dialling Google's hosts, which
// this closed network refuses (shared/DEPENDENCIES.md).
const args = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/**
 * missingBrowser says why the browser tests cannot run here, or "" when they can. In CI
 * (RECOM_REQUIRE_INTEGRATION=1) a missing browser is a failure, never a skip.
 */
export function missingBrowser() {
  if (existsSync(executablePath)) return "";
  const why = `${executablePath} is missing (install Debian's chromium package)`;
  if (process.env.RECOM_REQUIRE_INTEGRATION === "1") throw new Error(`${why}; RECOM_REQUIRE_INTEGRATION=1 forbids skipping`);
  return `${why}; skipping the browser tests`;
}

/**
 * withPage runs f with a page of a fresh browser profile, then closes the browser and
 * removes the profile. f also gets what the page put in DevTools' console:
 *
 *   problems  console.error/warn calls and uncaught exceptions or rejections, from any
 *             script, and browser messages such as CORS refusals: the SDK must cause none
 *   network   Chromium's own "Failed to load resource" lines, one per request that failed
 *             or answered an HTTP error; no script can prevent them, so tests check only
 *             that they name the URLs they made fail
 */
export async function withPage(f) {
  const dir = mkdtempSync(join(tmpdir(), "recomengine-chromium-"));
  const context = await chromium.launchPersistentContext(dir, { executablePath, args, headless: true, viewport: { width: 1280, height: 720 } });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const problems = [];
    const network = [];
    // DevTools' own events tell a console call (Runtime) from a log entry and its source
    // (Log): Playwright's console event merges the two.
    const cdp = await context.newCDPSession(page);
    cdp.on("Runtime.consoleAPICalled", (e) => {
      if (e.type === "error" || e.type === "warning" || e.type === "assert") {
        problems.push({ kind: `console.${e.type}`, text: e.args.map((a) => a.value ?? a.description).join(" ") });
      }
    });
    cdp.on("Runtime.exceptionThrown", (e) => problems.push({ kind: "exception", text: e.exceptionDetails.exception?.description ?? e.exceptionDetails.text }));
    cdp.on("Log.entryAdded", ({ entry }) => {
      if (entry.source === "network") network.push({ text: entry.text, url: entry.url ?? "" });
      else if (entry.level === "error" || entry.level === "warning") problems.push({ kind: `log.${entry.source}`, text: entry.text, url: entry.url ?? "" });
    });
    await cdp.send("Runtime.enable");
    await cdp.send("Log.enable");
    return await f(page, problems, network);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
