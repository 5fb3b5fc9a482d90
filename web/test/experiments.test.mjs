// The experiments journey in a real browser against the real server (US4, DESIGN §5 and §8):
// a shop seeded through the public API, an experiment created through the form (its
// validation first), started, shoppers served on its placement and assigned to arms, their
// impressions, clicks and purchases, the results with users in both arms, pause and resume,
// a second experiment on the same placement refused (409, FR-019), completion after a
// confirmation; axe on the list, the form and the detail page in both themes.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, expectAccessible, launch, poll, skipReason, startServer } from "./support.mjs";

const skip = skipReason();

describe("experiments journey", { skip: skip || false }, () => {
  let server, browser, page, base;
  const email = `experiments-${Date.now()}@shop.example`;
  const password = "correct horse battery staple";
  const placement = "exp-home";
  const name = "Collab vs trending";
  let token = "";
  let tenantId = "";
  let secretKey = "";
  let experimentId = "";
  let list = "";

  before(async () => {
    server = await startServer();
    base = server.url;
    browser = await launch();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("pageerror", (e) => console.log("# page error:", e.message));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const heading = (name) => page.getByRole("heading", { level: 1, name });

  test("sign up; a tenant, a secret key, a catalog and events through the API", async () => {
    await page.goto(base + "/signup");
    await heading("Create your account").waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Password").press("Enter");
    await heading("Tenants").waitFor();
    token = (await api(base, "POST", "/api/v1/auth/login", { body: { email, password } })).data.token;
    tenantId = (await api(base, "POST", "/api/v1/tenants", { token, body: { name: "Experiment shop", config: { allowedOrigins: ["https://shop.example"] } } })).data.id;
    secretKey = (await api(base, "POST", `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: "server", permissions: "read_write", type: "secret" } })).data.key;
    assert.match(secretKey, /^rk_live_/);
    const items = Array.from({ length: 8 }, (_, i) => ({ productId: `ex-${i + 1}`, name: `Experiment product ${i + 1}`, category: i % 2 ? "Kitchen" : "Garden", price: 10 + i, currency: "USD" }));
    await api(base, "POST", "/api/v1/catalog/batch", { key: secretKey, body: { items } });
    const views = [];
    for (let u = 1; u <= 5; u++) for (const p of items.slice(0, 3 + u)) views.push({ eventType: "product_viewed", userId: `seed-${u}`, productId: p.productId });
    await api(base, "POST", "/api/v1/events/batch", { key: secretKey, body: { events: views } });
    list = `/tenants/${tenantId}/experiments`;
  });

  test("the list starts empty and says what to do", async () => {
    await page.goto(base + list);
    await heading(/Experiments/).waitFor();
    await page.waitForFunction(() => document.title === "Experiments · Experiment shop · RecomEngine");
    const empty = page.getByTestId("exp-empty");
    await empty.getByText("No experiments yet.").waitFor();
    await expectAccessible(page, "experiments (empty)");
    await empty.getByRole("link", { name: "New experiment" }).press("Enter");
    await heading(/New experiment/).waitFor();
  });

  test("the form checks its fields (focus to the first at fault), then creates a draft", async () => {
    await expectAccessible(page, "new experiment");
    await page.getByLabel("Control share (%)").fill("100");
    await page.getByRole("button", { name: "Create experiment" }).press("Enter");
    await page.getByRole("alert").getByText("3 fields need fixing.").waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "name");
    assert.equal(await page.getByLabel("Name").getAttribute("aria-invalid"), "true");
    await page.getByText("Must be 1 to 200 printable characters.").waitFor();
    await page.getByText(/^Must be a number from 1 to 99/).waitFor();
    await expectAccessible(page, "new experiment (field errors)");

    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Placement").fill(placement);
    await page.getByLabel("Variant strategy").selectOption("trending");
    await page.getByLabel("Control share (%)").fill("50");
    await page.getByLabel("Target MDE (%)").fill("10");
    await page.getByLabel("Target MDE (%)").press("Enter");
    await heading(/^Experiment/).waitFor();
    await page.getByRole("heading", { level: 2, name }).waitFor();
    experimentId = new URL(page.url()).pathname.split("/").pop();
    assert.match(page.url(), new RegExp(`${list}/[^/]+$`));
    await page.locator(".exp-status").getByText("Draft").waitFor();
    await page.getByText("Results appear here once the experiment is started").waitFor();
    await expectAccessible(page, "experiment (draft)");
  });

  test("start it: shoppers on the placement are assigned to arms; their events make results", async () => {
    await page.getByRole("button", { name: "Start" }).press("Enter");
    await page.getByRole("status").getByText(/^Started\./).waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains("notice"));
    await page.locator(".exp-status").getByText("Running").waitFor();

    // Shoppers served on the placement: each is assigned an arm, the same on every request.
    const arms = { control: 0, variant: 0 };
    const events = [];
    for (let i = 0; i < 40; i++) {
      const userId = `shopper-${i}`;
      const r = await api(base, "GET", `/api/v1/recommendations?userId=${userId}&placement=${placement}&limit=4`, { key: secretKey });
      assert.equal(r.meta.experimentId, experimentId, `${userId} is in the experiment`);
      assert.ok(r.meta.variant === "control" || r.meta.variant === "variant", `${userId}: variant ${r.meta.variant}`);
      const again = await api(base, "GET", `/api/v1/recommendations?userId=${userId}&placement=${placement}&limit=4`, { key: secretKey });
      assert.equal(again.meta.variant, r.meta.variant, `${userId} keeps their arm`);
      arms[r.meta.variant]++;
      const productId = r.data[0]?.productId ?? "ex-1";
      const shown = { userId, productId, recommendationId: r.meta.recommendationId, placement };
      events.push({ eventType: "recommendation_impressed", ...shown, position: 0 });
      if (i % 2 === 0) events.push({ eventType: "recommendation_clicked", ...shown });
      if (i % 4 === 0) events.push({ eventType: "purchase", userId, productId, orderId: `exp-order-${i}`, price: 25, quantity: 1, currency: "USD" });
    }
    assert.ok(arms.control > 0 && arms.variant > 0, `both arms have shoppers: ${JSON.stringify(arms)}`);
    for (let i = 0; i < events.length; i += 100) await api(base, "POST", "/api/v1/events/batch", { key: secretKey, body: { events: events.slice(i, i + 100) } });

    // The rollup (RECOM_ROLLUP_INTERVAL, 5 s by default) brings the activity into the results.
    const results = await poll(
      "the results to count both arms and their clicks",
      async (saw) => {
        const r = saw((await api(base, "GET", `/api/v1/tenants/${tenantId}/experiments/${experimentId}/results`, { token })).data);
        return r.sampleSize.control === arms.control && r.sampleSize.variant === arms.variant && r.metrics.ctr.controlMetric + r.metrics.ctr.variantMetric > 0 && r;
      },
      30_000,
    );
    assert.equal(results.status, "insufficient_data", "40 shoppers are under the minimum sample");

    await page.reload();
    await page.getByRole("heading", { level: 2, name }).waitFor();
    const users = async (arm) => Number((await page.getByTestId(`users-${arm}`).textContent()).replace(/\D/g, ""));
    await page.getByTestId("users-control").waitFor();
    assert.equal(await users("control"), arms.control);
    assert.equal(await users("variant"), arms.variant);
    assert.ok((await users("control")) > 0 && (await users("variant")) > 0);
    assert.match(await page.getByTestId("exp-verdict").textContent(), /^Not enough data yet\. Each arm needs at least 100 users and 10 conversions/);
    const rows = page.getByTestId("results-table").locator("tbody tr");
    assert.equal(await rows.count(), 3);
    assert.equal(await rows.first().getAttribute("data-metric"), "conversion_rate", "the primary metric comes first");
    assert.match(await rows.nth(1).locator("th").textContent(), /Click-through rate/);
    await page.getByRole("img", { name: /Relative lift of the variant/ }).waitFor();
    await page.getByRole("status").getByText(/Updated at .*refreshed every minute/).waitFor();
    await page.getByText(/With the users so far|The smallest detectable lift cannot be estimated yet/).waitFor();
    await expectAccessible(page, "experiment (running, with results)");
  });

  test("pause and resume", async () => {
    await page.getByRole("button", { name: "Pause" }).press("Enter");
    await page.getByRole("status").getByText(/^Paused\./).waitFor();
    await page.locator(".exp-status").getByText("Paused").waitFor();
    const r = await api(base, "GET", `/api/v1/recommendations?userId=shopper-1&placement=${placement}`, { key: secretKey });
    assert.equal(r.meta.experimentId, undefined, "a paused experiment assigns nobody");
    await page.getByRole("button", { name: "Resume" }).press("Enter");
    await page.getByRole("status").getByText(/^Resumed\./).waitFor();
    await page.locator(".exp-status").getByText("Running").waitFor();
  });

  test("a second experiment on the same placement is refused, naming the one that holds it", async () => {
    await page.goto(base + list + "/new");
    await heading(/New experiment/).waitFor();
    await page.getByLabel("Name").fill("Second on the same placement");
    await page.getByLabel("Placement").fill(placement);
    await page.getByLabel("Placement").press("Enter");
    await page.getByRole("alert").getByText(`Experiment "${name}" is running on placement "${placement}"; complete it first.`).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "placement");
    assert.equal(await page.getByLabel("Placement").getAttribute("aria-invalid"), "true");
    const holder = page.getByTestId("placement-holder");
    await holder.getByRole("link", { name }).waitFor();
    await expectAccessible(page, "new experiment (409)");
    await holder.getByRole("link", { name }).press("Enter");
    await page.getByRole("heading", { level: 2, name }).waitFor();
  });

  test("complete it after confirming; it is final", async () => {
    await page.getByRole("button", { name: "Complete" }).press("Enter");
    const dialog = page.getByRole("alertdialog");
    await dialog.getByText(/Completing is final/).waitFor();
    await expectAccessible(page, "complete confirmation");
    await dialog.getByRole("button", { name: "Cancel" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.locator(".exp-status").getByText("Running").waitFor();
    await page.getByRole("button", { name: "Complete" }).press("Enter");
    await dialog.getByRole("button", { name: "Complete experiment" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("status").getByText(/^Completed\./).waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains("notice"));
    await page.locator(".exp-status").getByText("Completed").waitFor();
    assert.equal(await page.getByRole("group", { name: "Lifecycle" }).count(), 0, "a completed experiment has no lifecycle buttons");
    const e = (await api(base, "GET", `/api/v1/tenants/${tenantId}/experiments/${experimentId}`, { token })).data;
    assert.equal(e.status, "completed");
    assert.ok(e.endedAt);
    await page.getByTestId("users-control").waitFor();
    await expectAccessible(page, "experiment (completed)");
  });

  test("the list shows it, newest first, with a status filter in the URL", async () => {
    await page.getByRole("link", { name: "All experiments" }).first().press("Enter");
    await heading(/Experiments/).waitFor();
    const row = page.getByRole("row", { name: new RegExp(name) });
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(`${placement}.*Collaborative filtering vs Trending.*50% control / 50% variant.*Completed.*Created .*Started .*Ended `));
    await expectAccessible(page, "experiments (one)");
    await page.getByLabel("Status").selectOption("running");
    await page.waitForURL(/\?status=running$/);
    await page.getByText("No running experiment.").waitFor();
    await page.getByLabel("Status").selectOption("completed");
    await page.getByRole("row", { name: new RegExp(name) }).waitFor();
    await page.reload();
    await heading(/Experiments/).waitFor();
    assert.equal(await page.getByLabel("Status").inputValue(), "completed");
    await page.getByRole("row", { name: new RegExp(name) }).waitFor();
  });
});
