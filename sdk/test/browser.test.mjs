// The SDK in headless Chromium against the real server (US6, US7): a storefront on one
// port loads the bundle the server embeds, from the server on another port, as a
// merchant's page would. The network is faked only to make it fail (US6-3).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { missingBrowser, withPage } from "./support/browser.mjs";
import { freePort, poll, setUpShop, startServer } from "./support/recomengine.mjs";
import { gzipBudget, gzipSize } from "./support/size.mjs";
import { startStorefront } from "./support/storefront.mjs";

const skip = missingBrowser();

/** page is a storefront page: head holds the SDK's script tag, body its containers. */
function page({ head = "", body }) {
  return `<!doctype html><html lang="en-US"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Shop</title>${head}</head><body><h1>Shop</h1>${body}</body></html>`;
}

const container = (placement, attrs = "") => `<div data-recomengine-placement="${placement}"${attrs}></div>`;

/** readWidget is what a shopper sees of a placement's widget; null while it has no shadow root. */
function readWidget(page, placement) {
  return page.evaluate((p) => {
    const host = document.querySelector(`[data-recomengine-placement="${p}"]`);
    const root = host && host.shadowRoot;
    if (!root) return null;
    const list = root.querySelector("ul");
    const style = list && getComputedStyle(list);
    const text = (el) => (el ? el.textContent : null);
    return {
      title: text(root.querySelector("h2")),
      label: root.querySelector("section")?.getAttribute("aria-label") ?? null,
      listRole: list?.getAttribute("role") ?? null,
      flow: style?.gridAutoFlow ?? null,
      snap: style?.scrollSnapType ?? null,
      listWidth: list ? list.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) : 0, // content box
      buttons: [...root.querySelectorAll("button")].map((b) => b.getAttribute("aria-label")),
      images: [...root.querySelectorAll("img")].map((i) => i.getAttribute("src")),
      cards: [...root.querySelectorAll("li")].map((li) => {
        const a = li.querySelector("a");
        const img = li.querySelector("img");
        return {
          name: text(li.querySelector(".n")),
          price: text(li.querySelector(".pr")),
          cta: text(a),
          href: a ? a.getAttribute("href") : null,
          ctaBackground: a ? getComputedStyle(a).backgroundColor : null,
          radius: a ? getComputedStyle(a).borderTopLeftRadius : null,
          alt: img ? img.alt : null,
          width: li.getBoundingClientRect().width,
        };
      }),
    };
  }, placement);
}

/** cardsOf waits until the placement shows at least one card, and returns the widget. */
function cardsOf(page, placement, want = (w) => w.cards.length > 0) {
  return poll(`cards in ${placement}`, async (saw) => {
    const w = saw(await readWidget(page, placement));
    return w && want(w) ? w : null;
  });
}

/**
 * freezeClock fakes the page's clock, stopped from the start: only runFor moves it. A
 * clock that also ran by itself could jump past an in-flight request's 3 s timeout while
 * runFor crosses the minute, and abort it, which real time never does.
 */
async function freezeClock(page) {
  const start = new Date("2026-11-25T10:00:00Z");
  await page.clock.install({ time: start });
  await page.clock.pauseAt(new Date(start.getTime() + 1000));
}

describe("the SDK in Chromium", { skip: skip || false }, () => {
  let server, shop, store;

  before(async () => {
    store = await startStorefront();
    server = await startServer();
    shop = await setUpShop(server.url, store.origin);
  });

  after(async () => {
    await server?.stop();
    await store?.stop();
  });

  const sdkURL = () => `${server.url}/sdk/recomengine.v1.js`;
  const scriptTag = () => `<script async src="${sdkURL()}" data-api-key="${shop.publishableKey}"></script>`;
  const productByName = (name) => shop.products.find((p) => p.name === name);
  const eventsOf = async (query) => (await shop.admin("GET", `/events?limit=100&${query}`)).data;
  const putWidget = (placement, config) => shop.admin("PUT", `/widgets/${placement}`, config);
  const money = (p) => new Intl.NumberFormat("en-US", { style: "currency", currency: p.currency }).format(p.price);

  it("US6-1: draws product cards within 500 ms of the script's start, from a bundle under 8,000 B gzipped", async (t) => {
    const served = await fetch(sdkURL());
    assert.equal(served.status, 200);
    const bundle = Buffer.from(await served.arrayBuffer());
    assert.ok(gzipSize(bundle) <= gzipBudget, `the served bundle is ${gzipSize(bundle)} B gzipped`);
    assert.deepEqual(bundle, readFileSync(new URL("../dist/recomengine.v1.js", import.meta.url)), "the server serves this build");

    const url = store.page("us6-1", page({
      head: `<script>
        performance.mark("sdk-start");
        (function watch() {
          var host = document.querySelector('[data-recomengine-placement="home"]');
          if (host && host.shadowRoot && host.shadowRoot.querySelector("li")) {
            window.paintedAfterMs = performance.now() - performance.getEntriesByName("sdk-start")[0].startTime;
            return;
          }
          requestAnimationFrame(watch);
        })();
      </script>${scriptTag()}`,
      body: container("home"),
    }));
    await withPage(async (page, problems, network) => {
      const requests = [];
      page.on("request", (r) => r.url().startsWith(server.url + "/api/") && requests.push(r));
      await page.goto(url);
      const w = await cardsOf(page, "home");
      const painted = await poll("the paint time", () => page.evaluate(() => window.paintedAfterMs));
      t.diagnostic(`first widget painted ${painted.toFixed(0)} ms after the script tag`);
      assert.ok(painted <= 500, `first widget painted ${painted.toFixed(0)} ms after the script tag`);

      assert.equal(w.cards.length, 4, "an unconfigured placement shows the default 4 items");
      assert.equal(w.listRole, "list");
      assert.equal(w.label, "Recommended products");
      for (const c of w.cards) {
        const p = productByName(c.name);
        assert.ok(p, `${c.name} is a product of the catalog`);
        assert.equal(c.alt, p.name);
        assert.equal(c.href, p.url);
        assert.equal(c.price, money(p));
        assert.equal(c.cta, "View");
      }
      // The key travels only in the query: no custom header, so no CORS preflight.
      assert.ok(requests.length >= 2);
      for (const r of requests) {
        assert.equal(new URL(r.url()).searchParams.get("apiKey"), shop.publishableKey);
        assert.equal(r.headers()["x-api-key"], undefined);
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("US6-2: fetches a widget below the fold when it nears the viewport and records its impressions", async () => {
    const url = store.page("us6-2", page({
      head: scriptTag(),
      body: `<div style="height:3000px">Long product description</div>${container("below-fold")}`,
    }));
    await withPage(async (page, problems, network) => {
      const asked = [];
      page.on("request", (r) => r.url().includes("below-fold") && asked.push(r.url())); // its config or recommendations
      await page.goto(url);
      await sleep(700);
      assert.deepEqual(asked, [], "nothing is fetched for a widget far below the fold");
      assert.equal(await readWidget(page, "below-fold"), null);

      // 100 px below the viewport: within the 200 px margin, so fetched and drawn unseen.
      const answer = page.waitForResponse((r) => r.url().includes("/api/v1/recommendations") && r.url().includes("placement=below-fold"));
      await page.locator('[data-recomengine-placement="below-fold"]').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - innerHeight - 100));
      const recommendationId = (await (await answer).json()).meta.recommendationId;
      const w = await cardsOf(page, "below-fold");
      await sleep(1500);
      const impressed = () => eventsOf("eventType=recommendation_impressed").then((evs) => evs.filter((e) => e.placement === "below-fold"));
      assert.deepEqual(await impressed(), [], "cards drawn off screen are not impressions");

      await page.locator('[data-recomengine-placement="below-fold"]').evaluate((el) => el.scrollIntoView());
      // Visible for a second, then batched for up to a second, then stored.
      const events = await poll("recommendation_impressed events", async () => {
        const evs = await impressed();
        return evs.length >= w.cards.length ? evs : null;
      });
      // Seen again, the same set counts no second impression.
      await page.evaluate(() => window.scrollTo(0, 0));
      await sleep(200);
      await page.locator('[data-recomengine-placement="below-fold"]').evaluate((el) => el.scrollIntoView());
      await sleep(2300);
      assert.equal((await impressed()).length, w.cards.length, "one impression per product of the set");
      for (const e of events) {
        assert.equal(e.recommendationId, recommendationId);
        assert.ok(w.cards.some((c) => productByName(c.name).productId === e.productId));
        assert.ok(e.position >= 1 && e.position <= w.cards.length);
        assert.ok(e.anonymousId && e.sessionId && e.userId === e.anonymousId);
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("US6-3: with the API unreachable the containers stay empty and nothing is thrown or logged", async () => {
    const deadAPI = `http://127.0.0.1:${await freePort()}`;
    const url = store.page("us6-3", page({
      head: `<script async src="/sdk.js" data-api-key="rk_pub_test" data-api-url="${deadAPI}"></script>`,
      body: container("home") + container("product-page", ' data-product-id="p1"'),
    }));
    await withPage(async (page, problems, network) => {
      const failed = [];
      page.on("requestfailed", (r) => failed.push(r.url()));
      await page.goto(url);
      await poll("both widgets' requests to fail", () => failed.filter((u) => u.startsWith(deadAPI)).length >= 2);
      await page.evaluate(() => window.recomengine.track("product_viewed", { productId: "p1" }));
      await sleep(1500); // the event batch is sent, and fails, too

      for (const p of ["home", "product-page"]) {
        assert.equal(await readWidget(page, p), null, `${p} has no shadow root`);
        assert.equal(await page.locator(`[data-recomengine-placement="${p}"]`).innerHTML(), "");
      }
      assert.deepEqual(problems, [], "nothing logged or thrown by a script");
      // Chromium itself logs each refused connection to DevTools ("Failed to load
      // resource: net::ERR_CONNECTION_REFUSED"); no page script can prevent that.
      assert.ok(network.length > 0 && network.every((n) => n.url.startsWith(deadAPI)), JSON.stringify(network));
    });
  });

  it("US6-3: an API that fails, refuses, answers nonsense or never answers leaves the containers empty, silently", async () => {
    const placements = ["down-500", "recs-500", "unauthorized", "rate-limited", "bad-json", "wrong-shape", "hang"];
    const url = store.page("us6-3-fake", page({
      head: `<script async src="/sdk.js" data-api-key="rk_pub_test" data-api-url="/fake"></script>`,
      body: placements.map((p) => container(p)).join(""),
    }));
    await withPage(async (page, problems, network) => {
      const failed = [];
      page.on("requestfailed", (r) => failed.push(r.url()));
      await page.goto(url);
      // The hanging request is given up after about 3 s.
      await poll("the hanging request to be aborted", () => failed.some((u) => u.includes("/widgets/hang")), 6000);
      for (const p of placements) assert.equal(await readWidget(page, p), null, `${p} has no shadow root`);
      assert.deepEqual(problems, [], "nothing logged or thrown by a script");
      // Chromium logs each HTTP error answer itself ("Failed to load resource: the server
      // responded with a status of 500"): only the API's URLs may appear there.
      assert.ok(network.every((n) => n.url.startsWith(`${store.origin}/fake/api/`)), JSON.stringify(network));
    });
  });

  it("US6-4: a click on a card is recorded before the browser navigates to the product", async () => {
    const url = store.page("us6-4", page({ head: scriptTag(), body: container("click-me") }));
    await withPage(async (page, problems, network) => {
      const answer = page.waitForResponse((r) => r.url().includes("placement=click-me"));
      await page.goto(url);
      const recommendationId = (await (await answer).json()).meta.recommendationId;
      const w = await cardsOf(page, "click-me");
      const second = productByName(w.cards[1].name);
      const sent = []; // in the order the browser sent them
      page.on("request", (r) => sent.push({ url: r.url(), body: r.postData() ?? "", type: r.headers()["content-type"] }));
      await Promise.all([
        page.waitForURL(second.url),
        page.locator('[data-recomengine-placement="click-me"] li').nth(1).locator("a").click(),
      ]);
      assert.equal(await page.locator("#product").textContent(), second.productId);
      const beacon = sent.findIndex((r) => r.body.includes('"recommendation_clicked"'));
      assert.ok(beacon >= 0 && beacon < sent.findIndex((r) => r.url === second.url), "the click is sent before the product page is asked for");
      assert.equal(sent[beacon].type, "text/plain;charset=UTF-8", "a CORS-simple POST");

      const clicked = await poll("the recommendation_clicked event", async () => {
        const evs = await eventsOf(`eventType=recommendation_clicked&productId=${second.productId}`);
        return evs.find((e) => e.placement === "click-me");
      });
      assert.equal(clicked.recommendationId, recommendationId);
      assert.equal(clicked.position, 2);
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("US7-1: draws the configured carousel: 4 columns, the CTA text and colour, prices", async () => {
    await putWidget("us7-carousel", {
      layout: "carousel", columns: 4, showPrice: true, ctaText: "Add to Cart", itemCount: 8,
      theme: { primaryColor: "#ff6600", textColor: "#222222", backgroundColor: "#ffffff", borderRadius: 8 },
    });
    const url = store.page("us7-1", page({ head: scriptTag(), body: container("us7-carousel") }));
    await withPage(async (page, problems, network) => {
      await page.goto(url);
      const w = await cardsOf(page, "us7-carousel");
      assert.equal(w.cards.length, 8, "itemCount");
      assert.equal(w.flow, "column", "one row of cards");
      assert.equal(w.snap, "x mandatory");
      assert.deepEqual(w.buttons, ["Previous products", "Next products"]);
      const gap = 16;
      assert.ok(Math.abs(4 * w.cards[0].width + 3 * gap - w.listWidth) <= 2, `4 cards fill the row: ${w.cards[0].width} px each in ${w.listWidth} px`);
      for (const c of w.cards) {
        assert.equal(c.cta, "Add to Cart");
        assert.equal(c.ctaBackground, "rgb(255, 102, 0)");
        assert.equal(c.radius, "8px");
        assert.equal(c.price, money(productByName(c.name)));
      }
      // The next button scrolls the row by one view.
      await page.locator('[data-recomengine-placement="us7-carousel"] button[aria-label="Next products"]').click();
      await poll("the carousel to scroll", () => page.evaluate(() =>
        document.querySelector('[data-recomengine-placement="us7-carousel"]').shadowRoot.querySelector("ul").scrollLeft > 0));
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("US7-2: a config change is drawn in place within 60 s, without a reload; no change costs a 304", async () => {
    const theme = { textColor: "#222222", backgroundColor: "#ffffff", borderRadius: 8 };
    await putWidget("us7-live", { layout: "carousel", columns: 4, showPrice: true, ctaText: "Add to Cart", itemCount: 4, theme: { ...theme, primaryColor: "#ff6600" } });
    const url = store.page("us7-2", page({ head: scriptTag(), body: container("us7-live") }));
    await withPage(async (page, problems, network) => {
      // What went over the wire: the browser revalidates the config itself (If-None-Match)
      // and hands the page a 200 from its cache, so only DevTools sees the 304.
      const cdp = await page.context().newCDPSession(page);
      const urls = new Map();
      const wire = [];
      cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
      cdp.on("Network.requestWillBeSentExtraInfo", (e) => wire.push({ id: e.requestId, ifNoneMatch: e.headers["If-None-Match"] }));
      cdp.on("Network.responseReceivedExtraInfo", (e) => wire.push({ id: e.requestId, status: e.statusCode }));
      await cdp.send("Network.enable");
      const configAnswers = () => wire.filter((w) => w.status && urls.get(w.id)?.includes("/widgets/us7-live")).map((w) => w.status);
      const recommendationAsks = () => [...urls.values()].filter((u) => u.includes("placement=us7-live")).length;

      await freezeClock(page);
      await page.goto(url);
      const before = await cardsOf(page, "us7-live");
      assert.equal(before.cards[0].cta, "Add to Cart");
      await page.evaluate(() => {
        window.sameDocument = true;
        window.firstRoot = document.querySelector('[data-recomengine-placement="us7-live"]').shadowRoot;
      });

      await page.clock.runFor(60_500); // the SDK started at second 1: its first re-read is at 61
      await poll("the unchanged config's 304", () => configAnswers().includes(304));
      assert.ok(wire.some((w) => w.ifNoneMatch && urls.get(w.id)?.includes("/widgets/us7-live")), "the re-read sends If-None-Match");
      assert.equal(recommendationAsks(), 1, "an unchanged config is not redrawn");

      await putWidget("us7-live", { layout: "grid", columns: 2, showPrice: false, ctaText: "Buy now", itemCount: 4, theme: { ...theme, primaryColor: "#0055aa" } });
      await sleep(500);
      assert.equal((await readWidget(page, "us7-live")).cards[0].cta, "Add to Cart", "nothing changes before the minute is up");

      await page.clock.runFor(60_000);
      const after = await cardsOf(page, "us7-live", (w) => w.cards[0]?.cta === "Buy now");
      assert.deepEqual(configAnswers(), [200, 304, 200]);
      assert.equal(after.flow, "row", "a grid now");
      assert.deepEqual(after.buttons, []);
      assert.equal(after.cards[0].ctaBackground, "rgb(0, 85, 170)");
      assert.equal(after.cards[0].price, null, "showPrice: false");
      assert.ok(await page.evaluate(() => window.sameDocument && window.firstRoot === document.querySelector('[data-recomengine-placement="us7-live"]').shadowRoot),
        "the same document and shadow root: redrawn in place");
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("replays calls queued on window.recomengine before the script loaded", async () => {
    const url = store.page("queue", page({
      head: `<script>
        window.recomengine = window.recomengine || [];
        recomengine.push(["identify", "shopper-42"]);
        recomengine.push(["track", "product_viewed", { productId: "p3" }]);
      </script>${scriptTag()}`,
      body: container("queued"),
    }));
    await withPage(async (page, problems, network) => {
      const asked = page.waitForRequest((r) => r.url().includes("placement=queued"));
      await page.goto(url);
      assert.equal(new URL((await asked).url()).searchParams.get("userId"), "shopper-42", "the widget is fetched for the identified user");
      const accepted = await page.evaluate(() => [
        window.recomengine.track("add_to_cart", { productId: "p4", quantity: 2, unknownField: "dropped" }),
        window.recomengine.track("purchase", { productId: "p4" }), // no orderId
        window.recomengine.track("search", { productId: "p4" }), // not an event type of the API
      ]);
      assert.deepEqual(accepted, [true, false, false]);

      const viewed = await poll("the queued product_viewed", async () => (await eventsOf("eventType=product_viewed&userId=shopper-42"))[0]);
      assert.equal(viewed.productId, "p3");
      assert.ok(viewed.anonymousId && viewed.anonymousId !== "shopper-42", "the anonymous id goes along");
      assert.ok(viewed.sessionId);
      const carted = await poll("the add_to_cart", async () => (await eventsOf("eventType=add_to_cart&userId=shopper-42"))[0]);
      assert.equal(carted.quantity, 2);
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("draws hostile API data as text, with only http(s) links and pictures, and the theme's defaults for bad values", async () => {
    const url = store.page("hostile", page({
      head: `<script async src="/sdk.js" data-api-key="rk_pub_test" data-api-url="/fake"></script>`,
      body: container("hostile"),
    }));
    await withPage(async (page, problems, network) => {
      await page.goto(url);
      const w = await cardsOf(page, "hostile");
      assert.equal(w.title, "<img src=x onerror=window.__pwned=1>");
      assert.deepEqual(w.images, [], "javascript: and data: pictures are dropped");
      const [evil, plain] = w.cards;
      assert.equal(evil.name, "<img src=x onerror=window.__pwned=1>");
      assert.equal(evil.href, null, "a javascript: URL is no link");
      assert.equal(plain.href, "https://shop.example/x2");
      assert.equal(plain.cta, "<b>Buy</b>");
      assert.equal(plain.ctaBackground, "rgb(26, 86, 219)", "an invalid colour falls back to the default");
      assert.equal(plain.radius, "8px", "an out-of-range radius falls back to the default");
      assert.equal(plain.price, "5.00", "an invalid currency leaves a plain number");
      await sleep(300);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(problems, []);
      assert.deepEqual(network, []);
    });
  });

  it("hides a drawn widget at the next config check once its key is revoked", async () => {
    const key = await shop.createKey({ name: "revoked soon", permissions: "read_write", type: "publishable" });
    const url = store.page("revoked", page({ head: `<script async src="${sdkURL()}" data-api-key="${key.key}"></script>`, body: container("revoked") }));
    await withPage(async (page, problems, network) => {
      await freezeClock(page);
      await page.goto(url);
      await cardsOf(page, "revoked");
      await shop.admin("DELETE", `/api-keys/${key.id}`);
      await poll("the key to be refused", async () =>
        (await fetch(`${server.url}/api/v1/key?apiKey=${key.key}`, { headers: { Origin: store.origin } })).status === 401);
      await page.clock.runFor(60_500);
      await poll("the widget to empty", async (saw) => saw(await readWidget(page, "revoked"))?.cards.length === 0);
      assert.deepEqual(problems, []);
      // Chromium logs the 401 answers itself; the SDK adds nothing.
      assert.ok(network.length > 0 && network.every((n) => n.url.startsWith(`${server.url}/api/v1/`)), JSON.stringify(network));
    });
  });
});
