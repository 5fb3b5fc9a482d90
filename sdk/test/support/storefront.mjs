// A merchant's storefront for the browser tests, on its own port so the SDK runs
// cross-origin as in production. It serves the test pages, product pictures and product
// pages, the SDK bundle itself (for pages that must not depend on the API server), and a
// fake API that fails in the ways a real one can (US6-3).

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

const bundlePath = fileURLToPath(new URL("../../dist/recomengine.v1.js", import.meta.url));

/** startStorefront starts the server; page(name, html) publishes a page and returns its URL. */
export async function startStorefront() {
  const pages = new Map();
  const hanging = new Set();
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (pages.has(path)) return send(res, 200, "text/html; charset=utf-8", pages.get(path));
    if (path === "/sdk.js") return send(res, 200, "text/javascript", readFileSync(bundlePath));
    let m;
    if ((m = /^\/img\/([\w-]+)\.svg$/.exec(path))) return send(res, 200, "image/svg+xml", picture(m[1]));
    if ((m = /^\/product\/([\w-]+)$/.exec(path))) return send(res, 200, "text/html; charset=utf-8", `<!doctype html><link rel="icon" href="data:,"><title>${m[1]}</title><h1 id="product">${m[1]}</h1>`);
    if (path.startsWith("/fake/")) return fakeAPI(res, new URL(req.url, "http://x"), hanging);
    send(res, 404, "text/plain", "not found");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    page(name, html) {
      pages.set(`/${name}.html`, html);
      return `${origin}/${name}.html`;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  res.end(body);
}

function picture(id) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><rect width="200" height="200" fill="#cde"/><text x="20" y="110" font-size="40">${id}</text></svg>`;
}

// The fake API answers by placement, so one page can hold a widget per kind of failure.
// The SDK reaches it same-origin (data-api-url="/fake"): no CORS in the way of the check.
const fakeConfig = {
  layout: "grid", columns: 3, showPrice: true, ctaText: "View", itemCount: 2,
  theme: { primaryColor: "#123456", textColor: "#111111", backgroundColor: "#ffffff", borderRadius: 4 },
};

function fakeAPI(res, url, hanging) {
  const json = (status, body) => send(res, status, status < 300 ? "application/json" : "application/problem+json", JSON.stringify(body));
  const widget = /^\/fake\/api\/v1\/widgets\/([\w-]+)$/.exec(url.pathname);
  const placement = widget ? widget[1] : url.searchParams.get("placement");
  switch (widget ? placement : `${placement}:recommendations`) {
    case "down-500":
    case "recs-500:recommendations":
      return json(500, { status: 500, code: "internal", detail: "Something went wrong on our side." });
    case "unauthorized":
      return json(401, { status: 401, code: "unauthorized", detail: "Invalid API key." });
    case "rate-limited":
      return json(429, { status: 429, code: "rate_limited", detail: "Slow down." });
    case "bad-json":
      return send(res, 200, "application/json", '{"data": {"layout": "gr');
    case "wrong-shape":
      return json(200, { data: "grid" });
    case "hang":
      hanging.add(res); // never answered: the SDK must give up by itself
      return;
    case "hostile":
      return json(200, {
        data: { ...fakeConfig, ctaText: "<b>Buy</b>", title: "<img src=x onerror=window.__pwned=1>",
          theme: { primaryColor: "red;background:url(//evil.example/x)", textColor: "#111111", backgroundColor: "#fff", borderRadius: 99 } },
      });
    case "hostile:recommendations":
      return json(200, {
        data: [
          { productId: "x1", name: "<img src=x onerror=window.__pwned=1>", url: "javascript:window.__pwned=1", imageUrl: "javascript:1", price: 5, currency: "USD", score: 1, reason: "" },
          { productId: "x2", name: "Plain", url: "https://shop.example/x2", imageUrl: "data:image/svg+xml,<svg/>", price: 5, currency: "NOPE!", score: 1, reason: "" },
        ],
        meta: { recommendationId: "rec-hostile", strategy: "trending", placement, isFallback: false, cached: false },
      });
    case "mixed:recommendations": // http pictures and links, for a page served over https
      return json(200, {
        data: [1, 2].map((i) => ({ productId: `m${i}`, name: `Mixed ${i}`, url: `http://shop.test/product/m${i}`, imageUrl: `http://shop.test/img/m${i}.svg`, price: i, currency: "USD", score: 1, reason: "" })),
        meta: { recommendationId: "rec-mixed", strategy: "trending", placement, isFallback: false, cached: false },
      });
  }
  if (widget) return json(200, { data: { ...fakeConfig, placement } });
  json(200, {
    data: [1, 2].map((i) => ({ productId: `f${i}`, name: `Fake ${i}`, url: `/product/f${i}`, price: i, currency: "USD", score: 1, reason: "" })),
    meta: { recommendationId: `rec-${placement}`, strategy: "trending", placement, isFallback: false, cached: false },
  });
}
