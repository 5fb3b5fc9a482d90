// The dashboard's journeys in a real browser against the real server: sign up, a tenant,
// keys (shown once, revoked), the integration page, a widget with its SDK-drawn preview,
// analytics and the recommendation preview seeded through the public API, log out and in, themes; axe on every page in
// both themes; LCP of the widgets and analytics pages.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, expectAccessible, expectFastPaint, openDashboard, poll, skipReason } from "./support.mjs";

const skip = skipReason();

describe("dashboard journeys", { skip: skip || false }, () => {
  let dashboard, page, base;
  const email = `journey-${Date.now()}@shop.example`;
  const password = "correct horse battery staple";
  let tenantPath = "";
  let publishableKey = "";
  let secretKey = "";

  before(async () => {
    dashboard = await openDashboard();
    ({ page, base } = dashboard);
    await dashboard.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  });
  after(async () => dashboard?.close());

  const heading = (name) => page.getByRole("heading", { level: 1, name });

  test("sign up with the keyboard; a skip link comes first", async () => {
    await page.goto(base + "/signup");
    await heading("Create your account").waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.ok(
      await page.evaluate(() => !!document.activeElement?.closest("main")),
      "Enter on the skip link puts focus in main",
    );
    assert.equal(await page.title(), "Sign up · RecomEngine");
    await expectAccessible(page, "sign up");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Password").press("Enter");
    await heading("Tenants").waitFor();
    assert.match(page.url(), /\/tenants$/);
  });

  test("create a tenant", async () => {
    await expectAccessible(page, "tenants (empty)");
    await page.getByLabel("Store name").fill("Journey shop");
    await page.getByLabel("Allowed origins").fill("https://shop.example");
    await page.getByLabel("Allowed origins").press("Enter");
    await heading(/API keys/).waitFor();
    tenantPath = new URL(page.url()).pathname.replace(/\/keys$/, "");
    assert.match(tenantPath, /^\/tenants\/[^/]+$/);
    await page.waitForFunction(() => document.title === "API keys · Journey shop · RecomEngine");
  });

  test("create a publishable key: shown once, copied, then gone", async () => {
    await expectAccessible(page, "API keys (empty)");
    await page.getByLabel("Key name").fill("Storefront");
    await page.getByLabel("Permissions").selectOption("read_write");
    await page.getByLabel("Key name").press("Enter");
    const dialog = page.getByRole("alertdialog");
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /you will not see it again/);
    publishableKey = await dialog.getByLabel("API key").inputValue();
    assert.match(publishableKey, /^rk_pub_/);
    await expectAccessible(page, "key created dialog");
    await dialog.getByRole("button", { name: "Copy key" }).press("Enter");
    await dialog.getByText("Copied to the clipboard.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), publishableKey);
    await dialog.getByRole("button", { name: "I have stored it" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("rowheader", { name: "Storefront" }).waitFor();
    assert.ok(!(await page.content()).includes(publishableKey), "the full key is still in the page");
    await expectAccessible(page, "API keys (one key)");
  });

  test("create a secret key for the server-side example", async () => {
    await page.getByLabel("Key name").fill("Order sync");
    await page.getByLabel("Type").selectOption("secret");
    await page.getByLabel("Permissions").selectOption("read_write");
    await page.getByRole("button", { name: "Create key" }).press("Enter");
    const dialog = page.getByRole("alertdialog");
    secretKey = await dialog.getByLabel("API key").inputValue();
    assert.match(secretKey, /^rk_live_/);
    await dialog.getByRole("button", { name: "I have stored it" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
  });

  test("the integration page shows the script tag with that key, and events arriving", async () => {
    await page.getByRole("navigation", { name: "Tenant sections" }).getByRole("link", { name: "Integration" }).press("Enter");
    await heading(/Integration/).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 5000 }); // a new page focuses its heading
    const tag = `<script async src="${base}/sdk/recomengine.v1.js" data-api-key="${publishableKey}"></script>`;
    await page.getByLabel("Script tag").getByText(tag, { exact: true }).waitFor();
    await page.getByText("No events yet.").waitFor();
    await expectAccessible(page, "integration");

    const origins = page.getByLabel("Origins where publishable keys work");
    assert.equal(await origins.inputValue(), "https://shop.example");
    await origins.fill("https://shop.example https://www.shop.example");
    await origins.press("Enter");
    await page.getByText("Allowed origins saved.").waitFor();

    await api(base, "POST", "/api/v1/events", { key: secretKey, body: { eventType: "product_viewed", userId: "journey-user", productId: "p1" } });
    await page.getByText(/Events are arriving/).waitFor({ timeout: 12_000 });
    await page.getByRole("cell", { name: "journey-user" }).waitFor();
    await expectAccessible(page, "integration with events");
  });

  test("configure a carousel widget; the SDK draws the preview; a reload keeps it", async (t) => {
    await page.getByRole("link", { name: "Widgets" }).press("Enter");
    await heading(/Widgets/).waitFor();
    await expectAccessible(page, "widgets");
    await page.getByLabel("Placement", { exact: true }).fill("product-page");
    await page.getByLabel("Placement", { exact: true }).press("Enter");
    await heading("Widget: product-page").waitFor();
    const preview = page.getByTestId("widget-preview");
    await preview.locator("section.grid").waitFor(); // the default, drawn by sdk/src/render.ts
    await expectAccessible(page, "widget editor");

    await page.getByLabel("Grid").focus();
    await page.keyboard.press("ArrowRight"); // the keyboard's way through a radio group
    assert.ok(await page.getByLabel("Carousel").isChecked());
    await page.getByRole("navigation", { name: "Tenant sections" }).getByRole("link", { name: "Widgets", current: "true" }).waitFor();
    await page.getByLabel("Button text").fill("Add to Cart");
    await page.getByLabel("Primary colour").fill("#ff6600");
    await preview.locator("section.carousel").waitFor(); // redrawn as the form changes
    await page.getByLabel("Primary colour").press("Enter");
    await page.getByText("Saved.", { exact: false }).waitFor();

    // A reload starts from nothing but the refresh cookie; LCP is measured on it (DESIGN §9).
    await page.reload();
    await heading("Widget: product-page").waitFor();
    assert.equal(await page.getByLabel("Button text").inputValue(), "Add to Cart");
    assert.equal(await page.getByLabel("Primary colour").inputValue(), "#ff6600");
    assert.ok(await page.getByLabel("Carousel").isChecked());
    await preview.locator("section.carousel").waitFor();
    await preview.getByRole("link", { name: /^Add to Cart/ }).first().waitFor();
    const cta = await preview.locator("a").first().evaluate((a) => getComputedStyle(a).backgroundColor);
    assert.equal(cta, "rgb(255, 102, 0)");
    await expectFastPaint(t, page, "the widgets page", () => preview.locator("section.carousel").waitFor());
    await expectAccessible(page, "widget editor (carousel)");
  });

  test("analytics: empty, then the seeded numbers in KPI cards, chart, table and CSV; presets in the URL; LCP", async (t) => {
    const nav = page.getByRole("navigation", { name: "Tenant sections" });
    assert.equal(await nav.getByRole("listitem").first().textContent(), "Analytics", "analytics is the first section");
    await nav.getByRole("link", { name: "Analytics" }).press("Enter");
    await heading(/Analytics/).waitFor();
    await page.getByText("No data for this range yet.").waitFor();
    await expectAccessible(page, "analytics (no data)");

    // Seed through the public API: a catalog, a recommendation, its impressions and clicks,
    // then a purchase of a clicked product (credited to that click).
    const user = "analytics-user";
    const items = [1, 2, 3, 4].map((i) => ({ productId: `an-${i}`, name: `Analytics product ${i}`, category: "Kitchen", price: 10 * i, currency: "USD" }));
    await api(base, "POST", "/api/v1/catalog/batch", { key: secretKey, body: { items } });
    await api(base, "POST", "/api/v1/events/batch", {
      key: secretKey,
      body: { events: items.flatMap((p, i) => Array.from({ length: 4 - i }, (_, u) => ({ eventType: "product_viewed", userId: `viewer-${u}`, productId: p.productId }))) },
    });
    // The recommendation's id is what attributes the events (the list itself may still be
    // the fallback's, built before this catalog existed).
    const recs = await api(base, "GET", `/api/v1/recommendations?userId=${user}&limit=3&placement=home`, { key: secretKey });
    const recommendationId = recs.meta.recommendationId;
    assert.ok(recommendationId);
    const shown = items.slice(0, 3).map((p) => p.productId);
    const ev = (eventType, productId, extra = {}) => ({ eventType, userId: user, productId, recommendationId, placement: "home", ...extra });
    await api(base, "POST", "/api/v1/events/batch", {
      key: secretKey,
      body: { events: [...shown.map((p, i) => ev("recommendation_impressed", p, { position: i })), ev("recommendation_clicked", shown[0]), ev("recommendation_clicked", shown[1])] },
    });
    const bought = items.find((p) => p.productId === shown[0]);
    await api(base, "POST", "/api/v1/events/batch", {
      key: secretKey,
      body: { events: [{ eventType: "purchase", userId: user, productId: bought.productId, orderId: "order-1", price: bought.price, quantity: 2, currency: "USD" }] },
    });
    const revenue = bought.price * 2;
    const { token } = (await api(base, "POST", "/api/v1/auth/login", { body: { email, password } })).data;
    const tenantId = tenantPath.split("/").pop();
    await poll(
      "the rollup to count the seeded events",
      async (saw) => {
        const o = saw((await api(base, "GET", `/api/v1/tenants/${tenantId}/analytics/overview`, { token })).data.current);
        return o.impressions === 3 && o.clicks === 2 && o.conversions === 1;
      },
      30_000,
    );

    await page.reload();
    await heading(/Analytics/).waitFor();
    const kpi = (k) => page.locator(`[data-kpi="${k}"] .kpi-value`);
    await page.waitForFunction(() => document.querySelector('[data-kpi="impressions"] .kpi-value')?.textContent === "3");
    assert.equal(await kpi("clicks").textContent(), "2");
    assert.equal(await kpi("conversions").textContent(), "1");
    assert.equal(await kpi("ctr").textContent(), "66.7%");
    assert.equal(await kpi("conversionRate").textContent(), "50%");
    assert.match(await kpi("revenue").textContent(), new RegExp(revenue.toFixed(2).replace(".", "\\.")));
    assert.match(await page.locator('[data-kpi="impressions"] .kpi-change').textContent(), /^▲ Up from none in the previous period/);
    await page.getByRole("status").getByText(/Updated at/).waitFor();

    // The chart (its accessibility layer) and the table behind it: one row per day.
    await page.getByRole("application").waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const rows = page.locator(".chart-table tbody tr");
    await page.getByText("Daily numbers as a table").click();
    assert.equal(await rows.count(), 30);
    assert.equal(await rows.last().locator("th").textContent(), today);
    assert.deepEqual((await rows.last().locator("td").allTextContents()).slice(0, 2), ["3", "2"]);
    await page.getByRole("rowheader", { name: /Analytics product/ }).first().waitFor();
    await expectAccessible(page, "analytics (with data)");

    // A preset is in the URL and survives a reload.
    await page.getByRole("button", { name: "Last 7 days" }).click();
    await page.waitForURL(/\?range=7d$/);
    await page.waitForFunction(() => document.querySelectorAll(".chart-table tbody tr").length === 7);
    await page.reload();
    await heading(/Analytics/).waitFor();
    await page.getByRole("button", { name: "Last 7 days", pressed: true }).waitFor();
    assert.match(page.url(), /\?range=7d$/);
    await page.getByText("Daily numbers as a table").click();
    await page.waitForFunction(() => document.querySelectorAll(".chart-table tbody tr").length === 7);

    // The CSV: fetched with the token, saved as a file; a header row and the seeded totals.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    assert.match(download.suggestedFilename(), /^recomengine-analytics-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const { readFile } = await import("node:fs/promises");
    const lines = (await readFile(await download.path(), "utf8")).split("\r\n");
    const header = lines[0].split(",");
    assert.deepEqual(header.slice(0, 4), ["section", "from", "to", "date"]);
    const current = Object.fromEntries(lines.find((l) => l.startsWith("current,")).split(",").map((v, i) => [header[i], v]));
    assert.deepEqual([current.impressions, current.clicks, current.conversions, Number(current.revenue)], ["3", "2", "1", revenue]);

    await expectFastPaint(t, page, "the analytics page", () =>
      page.waitForFunction(() => document.querySelector('[data-kpi="impressions"] .kpi-value')?.textContent === "3"),
    );
  });

  test("recommendation preview: a user's ranked results with reasons; the query survives a reload; a cold user gets the fallback", async (t) => {
    // Seed through the public API: a small catalog and one user's views and purchases of 5
    // distinct products (the tenant's coldStartMinEvents, 5 by default).
    const user = "preview-user";
    const items = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({
      productId: `pv-${i}`,
      name: `Preview product ${i}`,
      category: i % 2 ? "Kitchen" : "Garden",
      price: 5 * i + 0.5,
      currency: "EUR",
      url: `https://shop.example/p/pv-${i}`,
    }));
    await api(base, "POST", "/api/v1/catalog/batch", { key: secretKey, body: { items } });
    const buy = (p, n) => ({ eventType: "purchase", userId: user, productId: p.productId, orderId: `pv-order-${n}`, price: p.price, quantity: 1, currency: "EUR" });
    await api(base, "POST", "/api/v1/events/batch", {
      key: secretKey,
      body: {
        events: [
          ...items.slice(0, 5).map((p) => ({ eventType: "product_viewed", userId: user, productId: p.productId })),
          buy(items[0], 1),
          buy(items[1], 2),
          buy(items[2], 3),
          // Another shopper who bought the same and more: something to recommend.
          ...items.map((p, i) => ({ ...buy(p, 10 + i), userId: "preview-other" })),
        ],
      },
    });
    // The tenant's model may have been built before any catalog (by the widget preview): the
    // first events after such a build start a rebuild in the background, and an empty list is
    // not cached, so the preview is asked until that rebuild has landed (normally at once).
    const { token } = (await api(base, "POST", "/api/v1/auth/login", { body: { email, password } })).data;
    const tenantId = tenantPath.split("/").pop();
    const started = Date.now();
    await poll(
      "the trending preview of preview-user to list products",
      async (saw) => saw((await api(base, "GET", `/api/v1/tenants/${tenantId}/recommendations/preview?userId=${user}&strategy=trending&limit=4`, { token })).data).length > 0,
      15_000,
    );
    t.diagnostic(`the preview listed products after ${Date.now() - started} ms`);
    const nav = page.getByRole("navigation", { name: "Tenant sections" });
    await nav.getByRole("link", { name: "Preview" }).press("Enter");
    await heading(/Recommendation preview/).waitFor();
    await page.waitForFunction(() => document.title === "Recommendation preview · Journey shop · RecomEngine");
    await page.getByText("Enter a user id to see their recommendations.").waitFor();
    await expectAccessible(page, "preview (empty)");

    // The form checks its fields: no user id, a limit out of range.
    await page.getByLabel("Number of results").fill("51");
    await page.getByRole("button", { name: "Preview" }).press("Enter");
    await page.getByText("Enter a user id.").waitFor();
    await page.getByText("Must be a whole number from 1 to 50.").waitFor();
    // Focus moves in the frame after the errors are drawn, so it is waited for.
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "userId", null, { timeout: 5000 }); // focus goes to the first field at fault
    await expectAccessible(page, "preview (field errors)");

    await page.getByLabel("User id").fill(user);
    await page.getByLabel("Strategy").selectOption("trending");
    await page.getByLabel("Number of results").fill("4");
    await page.getByLabel("User id").press("Enter");
    await page.waitForURL(/\?userId=preview-user&strategy=trending&limit=4$/);
    const status = page.getByRole("status");
    await status.getByText(/^\d+ recommendations? for preview-user \(trending\)$/).waitFor();
    const meta = page.getByTestId("preview-meta");
    assert.match(await meta.textContent(), /^Answered by .+ Not the cold-start fallback\. (Served from the cache|Computed now, not cached)\./);
    // Ranked rows, best first, each with its reason and its score as a number and a meter.
    const rows = page.locator(".preview-table tbody tr");
    await rows.first().waitFor();
    const n = await rows.count();
    const said = Number(/^(\d+)/.exec(await status.textContent())[1]);
    assert.equal(n, said, "the live region counts the rows");
    assert.ok(n >= 1 && n <= 4, `${n} rows, want 1 to 4`);
    t.diagnostic(`preview-user: ${n} results`);
    assert.equal(await page.getByText("No recommendations.").count(), 0);
    assert.deepEqual(await rows.locator("td:first-child").allTextContents(), Array.from({ length: n }, (_, i) => String(i + 1)));
    for (const reason of await rows.locator("td:last-child").allTextContents()) assert.ok(reason.trim().length > 0, "every result has its reason");
    const scores = await rows.locator(".score-value").allTextContents();
    assert.equal(scores.length, n, "every result has its score");
    assert.equal(await rows.locator("meter").count(), n, "every result has its meter");
    const values = await rows.locator("meter").evaluateAll((ms) => ms.map((m) => m.value));
    assert.ok(values.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v <= values[i - 1])), `meters best first within 0–1: ${values}`);
    // preview-user bought pv-1, pv-2 and pv-3: none comes back.
    const names = await rows.locator("th").allTextContents();
    assert.ok(!names.some((name) => /Preview product [123]\b/.test(name)), `a bought product was recommended: ${names}`);
    await expectAccessible(page, "preview (results)");

    // A reload (or a shared link) repeats the preview.
    await page.reload();
    await heading(/Recommendation preview/).waitFor();
    assert.equal(await page.getByLabel("User id").inputValue(), user);
    assert.equal(await page.getByLabel("Number of results").inputValue(), "4");
    await page.getByTestId("preview-meta").waitFor();
    assert.equal(await rows.count(), n);

    // A user with no events: the cold-start fallback, explained.
    await page.getByLabel("User id").fill("cold-user");
    await page.getByLabel("Strategy").selectOption("collaborative");
        await page.getByRole("button", { name: "Preview" }).press("Enter");
    await page.waitForURL(/\?userId=cold-user&strategy=collaborative&limit=4$/);
    await status.getByText(/recommendations? for cold-user \(trending_fallback\)$/).waitFor();
    assert.match(await meta.textContent(), /cold-start fallback: the user has interacted with fewer than 5 products/);
    await expectAccessible(page, "preview (cold-start fallback)");
  });

  test("log out, then log in again; a reload keeps the session (refresh cookie)", async () => {
    await page.getByRole("button", { name: "Log out" }).press("Enter");
    await heading("Log in").waitFor();
    await expectAccessible(page, "log in");
    await page.reload();
    await heading("Log in").waitFor(); // the cookie is gone: no session comes back
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong password!");
    await page.getByLabel("Password").press("Enter");
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Password").press("Enter");
    await heading("Tenants").waitFor();
    await page.reload();
    await page.getByRole("link", { name: "Journey shop" }).waitFor();
    await expectAccessible(page, "tenants (one)");
  });

  test("two tabs opened at once both stay signed in (one refresh at a time across tabs)", async () => {
    // Hold each refresh until the other tab's has come too (or 1.5 s passed, as it does when
    // the tabs take turns): without a lock across tabs both would carry the same cookie.
    const held = [];
    const barrier = async (route) => {
      held.push(route);
      if (held.length >= 2) {
        for (const r of held.splice(0)) await r.continue();
        return;
      }
      await new Promise((ok) => setTimeout(ok, 1500));
      const i = held.indexOf(route);
      if (i >= 0) {
        held.splice(i, 1);
        await route.continue();
      }
    };
    await dashboard.browser.context.route("**/api/v1/auth/refresh", barrier);
    const tabs = await Promise.all([dashboard.browser.context.newPage(), dashboard.browser.context.newPage()]);
    try {
      await Promise.all(tabs.map((tab) => tab.goto(base + tenantPath + "/keys")));
      for (const tab of tabs) await tab.getByRole("heading", { level: 1, name: /API keys/ }).waitFor();
      // Had both sent the same refresh cookie, the family would be revoked: a reload of
      // each would land on the login page.
      await Promise.all(tabs.map((tab) => tab.reload())); // restored together
      for (const tab of tabs) await tab.getByRole("heading", { level: 1, name: /API keys/ }).waitFor();
      await tabs[0].reload();
      await tabs[0].getByRole("heading", { level: 1, name: /API keys/ }).waitFor();
    } finally {
      await dashboard.browser.context.unroute("**/api/v1/auth/refresh", barrier);
      await Promise.all(tabs.map((tab) => tab.close()));
    }
    await page.reload();
    await page.getByRole("link", { name: "Journey shop" }).waitFor();
  });

  test("revoke a key after confirming; it stops working", async () => {
    await page.goto(base + tenantPath + "/keys");
    await page.getByRole("button", { name: "Revoke Order sync" }).press("Enter");
    const dialog = page.getByRole("alertdialog");
    await dialog.getByText("This cannot be undone.").waitFor();
    await expectAccessible(page, "revoke confirmation");
    await dialog.getByRole("button", { name: "Cancel" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Revoke Order sync" }).press("Enter");
    await dialog.getByRole("button", { name: "Revoke key" }).press("Enter");
    await page.getByText("Key “Order sync” revoked.", { exact: false }).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "status", null, { timeout: 5000 });
    await page.getByRole("rowheader", { name: "Order sync" }).waitFor({ state: "detached" });
    await page.getByRole("rowheader", { name: "Storefront" }).waitFor();
    await poll("the revoked key to be refused", async () => (await fetch(base + "/api/v1/key", { headers: { "X-API-Key": secretKey } })).status === 401, 8000);
  });

  test("the theme switch is remembered across reloads", async () => {
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    assert.equal(await theme(), "light");
    await page.getByRole("switch", { name: "Dark theme" }).press("Space");
    assert.equal(await theme(), "dark");
    await page.reload();
    await heading(/API keys/).waitFor();
    assert.equal(await theme(), "dark");
    assert.ok(await page.getByRole("switch", { name: "Dark theme" }).isChecked());
  });
});
