// The catalog pages in a real browser against the real server: an empty catalog, a file that
// is not valid JSON refused, a CSV of 600 products uploaded in two batches with one bad row,
// search and filters kept in the URL, a failed switch put back, a product switched
// unavailable (and gone from recommendations), and one created, edited and deleted through
// the form; axe on the list and the form in both themes.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, expectAccessible, expectFastPaint, openDashboard, poll, signUp, skipReason } from "./support.mjs";

const skip = skipReason();

describe("catalog journeys", { skip: skip || false }, () => {
  let dashboard, page, base;
  const email = `catalog-${Date.now()}@shop.example`;
  const password = "correct horse battery staple";
  let tenantPath = "";
  let tenantId = "";
  let token = "";
  let secretKey = "";

  before(async () => {
    dashboard = await openDashboard();
    ({ page, base } = dashboard);
  });
  after(async () => dashboard?.close());

  const heading = (name) => page.getByRole("heading", { level: 1, name });
  const nav = () => page.getByRole("navigation", { name: "Tenant sections" });
  const admin = (method, path, opts = {}) => api(base, method, `/api/v1/tenants/${tenantId}${path}`, { token, ...opts });
  const withKey = (method, path, opts = {}) => api(base, method, path, { key: secretKey, ...opts });

  test("sign up, create a tenant, and find its catalog empty, saying how to load one", async () => {
    await signUp(page, base, email, password);
    await page.getByLabel("Store name").fill("Catalog shop");
    await page.getByLabel("Allowed origins").fill("https://shop.example");
    await page.getByLabel("Allowed origins").press("Enter");
    await heading(/API keys/).waitFor();
    tenantPath = new URL(page.url()).pathname.replace(/\/keys$/, "");
    tenantId = tenantPath.split("/").pop();
    token = (await api(base, "POST", "/api/v1/auth/login", { body: { email, password } })).data.token;
    secretKey = (await admin("POST", "/api-keys", { body: { name: "checks", permissions: "read_write", type: "secret" } })).data.key;

    await nav().getByRole("link", { name: "Catalog" }).press("Enter");
    await heading(/^Catalog/).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 5000 }); // a new page focuses its heading
    await page.waitForFunction(() => document.title === "Catalog · Catalog shop · RecomEngine");
    await page.getByText("Your catalog is empty.").waitFor();
    assert.equal(await page.getByRole("link", { name: "Integration" }).last().getAttribute("href"), `${tenantPath}/integration`);
    await page.getByRole("link", { name: "upload a JSON or CSV file" }).waitFor();
    await expectAccessible(page, "catalog (empty)");
  });

  test("a file that is not valid JSON is refused in an alert, with focus back on the file", async () => {
    const file = page.getByLabel("Product file (JSON or CSV)");
    await file.setInputFiles({ name: "products.json", mimeType: "application/json", buffer: Buffer.from('[{"productId": "p1", "name": ') });
    await page.getByRole("button", { name: "Upload", exact: true }).press("Enter");
    const alert = page.getByRole("alert").filter({ hasText: /^The file is not valid JSON/ });
    await alert.waitFor();
    assert.equal(await file.getAttribute("aria-describedby"), await alert.getAttribute("id"));
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "file", null, { timeout: 5000 });
    assert.equal(await file.isEnabled(), true);
    await expectAccessible(page, "catalog (a file refused)");
  });

  test("upload a CSV of 600 products with one bad row: two batches, 599 created, the bad row named", async (t) => {
    const kinds = ["Kitchen", "Garden", "Toys"];
    const lines = ["productId,name,category,price,currency,description,available,attributes.color"];
    for (let i = 0; i < 600; i++) {
      const price = i === 550 ? "free" : (5 + (i % 40) + 0.99).toFixed(2);
      // Quotes, commas and a line break inside fields, as spreadsheets write them.
      const description = i % 100 === 0 ? `"Line one, with a comma\nand ""quotes"" on line two"` : `Plain ${i}`;
      lines.push([`c-${String(i).padStart(3, "0")}`, `Catalog product ${i}`, kinds[i % 3], price, "USD", description, "true", i % 2 ? "red" : "blue"].join(","));
    }
    const batches = [];
    const onRequest = (r) => r.method() === "POST" && r.url().endsWith(`/tenants/${tenantId}/catalog/batch`) && batches.push(r.postDataJSON().items.length);
    page.on("request", onRequest);
    await page.getByLabel("Product file (JSON or CSV)").setInputFiles({ name: "products.csv", mimeType: "text/csv", buffer: Buffer.from("\ufeff" + lines.join("\r\n") + "\r\n") });
    await page.getByRole("button", { name: "Upload", exact: true }).press("Enter");
    await page.getByText("Upload finished: 599 created, 0 updated, 1 rejected.").waitFor({ timeout: 30_000 });
    page.off("request", onRequest);
    // Focus went to "Stop after this batch" while sending (the Upload button was disabled),
    // and back to Upload at the end.
    await page.waitForFunction(() => document.activeElement?.textContent === "Upload", null, { timeout: 5000 });
    // Two batches: 500, then 100, whose bad row the server rejects by its index while
    // storing the other 99.
    assert.deepEqual(batches, [500, 100]);
    const rejected = page.getByRole("table", { name: /Rejected products/ });
    assert.equal(await rejected.getByRole("rowheader").textContent(), "Row 552", "header row 1, c-550 on row 552");
    const cells = await rejected.locator("tbody td").allTextContents();
    assert.equal(cells[0], "price");
    assert.ok(cells[1].length > 0, "the server's message is shown");
    await expectAccessible(page, "catalog (upload summary)");

    // The list is read again: 599 products, 50 a page, newest first.
    await page.getByText("599 products in the catalog.").waitFor();
    await page.getByText("1–50 of 599").waitFor();
    assert.equal(await page.locator(".catalog-table tbody tr").count(), 50);
    const stored = await withKey("GET", "/api/v1/catalog/c-100");
    assert.equal(stored.data.description, 'Line one, with a comma\nand "quotes" on line two');
    assert.deepEqual(stored.data.attributes, { color: "blue" });
    await withKey("GET", "/api/v1/catalog/c-550", { expect: [404] });

    await page.getByRole("button", { name: "Next" }).press("Enter");
    await page.getByText("51–100 of 599").waitFor();
    assert.match(page.url(), /\/catalog\?page=2$/);
    await expectAccessible(page, "catalog (a page of products)");
  });

  test("the list of 599 products paints its first page within 1 s (LCP, best of three loads)", async (t) => {
    await expectFastPaint(t, page, "the catalog page (599 products, 50 shown)", () => page.locator(".catalog-table tbody tr").nth(49).waitFor());
  });

  test("search and filters go to the URL and survive a reload", async () => {
    await page.getByLabel("Search by name").fill("product 12");
    await page.waitForURL(/\/catalog\?search=product\+12$/); // and back to the first page
    // "Catalog product 12" and 120–129.
    await page.getByText("11 products match these filters.").waitFor();
    await page.getByLabel("Category").fill("Kitchen");
    await page.waitForURL(/\?search=product\+12&category=Kitchen$/);
    await page.getByText("5 products match these filters.").waitFor(); // 12, 120, 123, 126, 129
    await page.getByLabel("Availability").selectOption("available");
    await page.waitForURL(/\?search=product\+12&category=Kitchen&available=available$/);
    await page.reload();
    await heading(/^Catalog/).waitFor();
    await page.getByText("5 products match these filters.").waitFor();
    assert.equal(await page.getByLabel("Search by name").inputValue(), "product 12");
    assert.equal(await page.getByLabel("Category").inputValue(), "Kitchen");
    assert.equal(await page.getByLabel("Availability").inputValue(), "available");
    assert.deepEqual(
      (await page.locator(".catalog-table tbody th").allTextContents()).sort(),
      ["Catalog product 12", "Catalog product 120", "Catalog product 123", "Catalog product 126", "Catalog product 129"],
    );
  });

  test("a switch whose change fails is put back, saying why", async () => {
    // The server fails this one PATCH (browser tests fake the network only to make it fail).
    const url = `${base}/api/v1/tenants/${tenantId}/catalog/c-120`;
    const fail = (route) =>
      route.request().method() === "PATCH"
        ? route.fulfill({
            status: 500,
            contentType: "application/problem+json",
            body: JSON.stringify({ type: "about:blank", title: "Internal Server Error", status: 500, detail: "Something went wrong on our side." }),
          })
        : route.continue();
    await page.route(url, fail);
    try {
      const sw = page.getByRole("switch", { name: "Available: Catalog product 120", exact: true });
      assert.ok(await sw.isChecked());
      await sw.press("Space");
      await page.getByText("“Catalog product 120” could not be made unavailable: Something went wrong on our side. It is still available.").waitFor();
      assert.ok(await sw.isChecked(), "the switch is put back");
      await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "switch", null, { timeout: 5000 }); // focus stayed on it
    } finally {
      await page.unroute(url, fail);
    }
    assert.equal((await withKey("GET", "/api/v1/catalog/c-120")).data.available, true);
  });

  test("switch a product unavailable: at once in the API, and out of recommendations", async () => {
    // Make c-012 the most viewed product, so trending recommends it.
    const events = [];
    for (let u = 0; u < 6; u++) events.push({ eventType: "product_viewed", userId: `viewer-${u}`, productId: "c-012" });
    for (const p of ["c-003", "c-006", "c-009"]) events.push({ eventType: "product_viewed", userId: "viewer-0", productId: p });
    await withKey("POST", "/api/v1/events/batch", { body: { events } });
    const recommended = async () => (await withKey("GET", "/api/v1/recommendations?userId=shopper-1&strategy=trending&limit=10")).data.map((r) => r.productId);
    await poll("trending to recommend c-012", async (saw) => saw(await recommended()).includes("c-012"), 15_000);

    const sw = page.getByRole("switch", { name: "Available: Catalog product 12", exact: true });
    assert.ok(await sw.isChecked());
    await sw.press("Space");
    await page.getByText("“Catalog product 12” is unavailable: it is out of recommendations from now on.").waitFor();
    assert.equal(await sw.isChecked(), false);
    assert.equal((await withKey("GET", "/api/v1/catalog/c-012")).data.available, false);
    assert.equal((await admin("GET", "/catalog/c-012")).data.available, false);
    const after = await recommended();
    assert.ok(after.length > 0, "trending still recommends the other products");
    assert.ok(!after.includes("c-012"), `an unavailable product was recommended: ${after}`);
    await expectAccessible(page, "catalog (a product switched off)");

    // The filter for unavailable products finds it after a reload.
    await page.getByLabel("Availability").selectOption("unavailable");
    await page.getByText("1 product matches these filters.").waitFor();
    await page.reload();
    await sw.waitFor();
    assert.equal(await sw.isChecked(), false);
  });

  test("create a product through the form (a field error first), edit it, delete it after confirming", async () => {
    await page.getByRole("link", { name: "Add a product" }).press("Enter");
    await heading(/New product/).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 5000 });
    await page.getByLabel("Price").fill("cheap");
    await page.getByRole("button", { name: "Create product" }).press("Enter");
    await page.getByText("3 fields need fixing.").waitFor();
    await page.getByText("Must be a number from 0 to 1000000000.").waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "productId");
    await expectAccessible(page, "product form (field errors)");

    // An id already in the catalog is not overwritten.
    await page.getByLabel("Product id").fill("c-000");
    await page.getByLabel("Name").fill("Form product");
    await page.getByLabel("Price").fill("9.99");
    await page.getByRole("button", { name: "Create product" }).press("Enter");
    await page.getByText(/^Already in the catalog/).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "productId");
    assert.equal((await withKey("GET", "/api/v1/catalog/c-000")).data.name, "Catalog product 0");

    await page.getByLabel("Product id").fill("form-1");
    await page.getByLabel("Currency").fill("EUR");
    await page.getByLabel("Product page URL").fill("https://shop.example/p/form-1");
    await page.getByLabel("Attributes (JSON)").fill('{"color": "red", "sizeCm": 12}');
    await page.getByRole("button", { name: "Create product" }).press("Enter");
    await heading(/Product: form-1/).waitFor();
    assert.match(page.url(), /\/catalog\/items\/form-1$/);
    await page.getByText("Product “Form product” created.").waitFor();
    let stored = (await withKey("GET", "/api/v1/catalog/form-1")).data;
    assert.deepEqual([stored.name, stored.price, stored.currency, stored.url, stored.attributes, stored.available], ["Form product", 9.99, "EUR", "https://shop.example/p/form-1", { color: "red", sizeCm: 12 }, true]);
    await expectAccessible(page, "product form (edit)");

    // Edit: PUT replaces the whole product, so the fields not touched must stay as they were.
    await page.getByLabel("Name").fill("Form product, edited");
    await page.getByLabel("Price").fill("11");
    await page.getByLabel("Available").uncheck();
    await page.getByRole("button", { name: "Save product" }).press("Enter");
    await page.getByText(/^Saved\./).waitFor();
    stored = (await withKey("GET", "/api/v1/catalog/form-1")).data;
    assert.deepEqual([stored.name, stored.price, stored.currency, stored.url, stored.attributes, stored.available], ["Form product, edited", 11, "EUR", "https://shop.example/p/form-1", { color: "red", sizeCm: 12 }, false]);

    await page.getByRole("button", { name: "Delete product" }).press("Enter");
    const dialog = page.getByRole("alertdialog");
    await dialog.getByText("This cannot be undone", { exact: false }).waitFor();
    await expectAccessible(page, "delete confirmation");
    await dialog.getByRole("button", { name: "Cancel" }).press("Enter");
    await dialog.waitFor({ state: "detached" });
    await withKey("GET", "/api/v1/catalog/form-1");
    await page.getByRole("button", { name: "Delete product" }).press("Enter");
    await dialog.getByRole("button", { name: "Delete", exact: true }).press("Enter");
    await heading(/^Catalog/).waitFor();
    assert.match(page.url(), /\/catalog$/);
    await page.getByText("Product “Form product, edited” deleted.").waitFor();
    await withKey("GET", "/api/v1/catalog/form-1", { expect: [404] });
    await page.getByText("599 products in the catalog.").waitFor();
  });
});
