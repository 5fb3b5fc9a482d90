// The widgets of a page: every element [data-recomengine-placement], present at start or
// added later, fetched when it comes near the viewport and kept in step with its config.

import { Answer, Endpoint, getJSON, timeoutMs, url } from "./api";
import { isObject, readConfig, readRecommendations } from "./config";
import { userId } from "./identity";
import { unwatchImpressions, watchImpression } from "./impressions";
import { Card, clear, mount, render } from "./render";
import { guard, noop } from "./safe";
import { Fields, trackNow } from "./tracker";

const attr = "data-recomengine-placement";
// A widget just below the fold is fetched before it scrolls in, so it is drawn on arrival.
const nearMargin = "200px";
// A merchant's change in the dashboard reaches open pages within a minute (US7-2). The
// checks come up to 6 s early, at random, so the tabs of a shop's shoppers do not all
// ask at once: the key's reads per minute are shared by all of them.
const configEveryMs = 60000;
const jitterMs = 6000;

interface Widget {
  el: HTMLElement;
  root?: ShadowRoot | null; // made on the first successful draw: until then the container is untouched
  version?: string; // ETag of the config drawn, to tell a changed one
  loads: number; // counts loads, so an answer overtaken by a newer load is dropped
  force?: boolean; // a redraw was asked for (new product, identify): kept until drawn
  cards: Card[];
}

let endpoint: Endpoint;
const widgets = new Map<HTMLElement, Widget>();
let nearObserver: IntersectionObserver | undefined;
// This check's config answers by placement, shared by all of its containers: one read per
// placement a minute, not one per container. A failed one is forgotten, to be asked again.
let configs = new Map<string, Promise<Answer>>();
let checkTimer: ReturnType<typeof setTimeout> | undefined;
let nextCheck = 0;

/** startWidgets draws the page's widgets now, those added later, and keeps them current. */
export function startWidgets(ep: Endpoint): void {
  endpoint = ep;
  if (typeof IntersectionObserver == "function") {
    nearObserver = new IntersectionObserver(guard(onNear), { rootMargin: nearMargin });
  }
  find(document.documentElement);
  new MutationObserver(guard(onMutations)).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: [attr, "data-product-id", "data-strategy", "data-limit"],
  });
  planCheck();
  // Hidden tabs skip the checks; one shown again after its check was due checks at once,
  // and the next check comes a full interval after that one.
  document.addEventListener("visibilitychange", guard(() => document.hidden || Date.now() < nextCheck || checkConfigs()));
}

/**
 * planCheck sets the next config check about a minute from now. One that falls due in a
 * hidden tab is left overdue (nextCheck 0), for the tab's next showing.
 */
function planCheck(): void {
  const ms = configEveryMs - Math.random() * jitterMs;
  clearTimeout(checkTimer);
  nextCheck = Date.now() + ms;
  checkTimer = setTimeout(guard(() => (document.hidden ? (nextCheck = 0) : checkConfigs())), ms);
}

/** refreshWidgets fetches and redraws every widget, e.g. after identify(). */
export function refreshWidgets(): void {
  widgets.forEach((w) => w.loads && load(w, true));
}

function find(node: Element): void {
  if (node.hasAttribute(attr)) add(node as HTMLElement);
  const found = node.querySelectorAll<HTMLElement>("[" + attr + "]");
  for (let i = 0; i < found.length; i++) add(found[i]);
}

function add(el: HTMLElement): void {
  if (widgets.has(el)) return;
  const w: Widget = { el, loads: 0, cards: [] };
  widgets.set(el, w);
  if (nearObserver) nearObserver.observe(el);
  else load(w, true);
}

/** forget drops a container that left the page: its observers, impressions and cards. */
function forget(w: Widget): void {
  widgets.delete(w.el);
  if (nearObserver) nearObserver.unobserve(w.el);
  unwatchImpressions(w.cards.map((c) => c.el));
  w.cards = [];
  // Put back later, it starts afresh (and is drawn into the same shadow root).
  if (w.root) clear(w.root);
}

function sweep(): void {
  widgets.forEach((w) => w.el.isConnected || forget(w));
}

function onNear(entries: IntersectionObserverEntry[]): void {
  for (const e of entries) {
    const w = widgets.get(e.target as HTMLElement);
    if (!e.isIntersecting || !w) continue;
    nearObserver!.unobserve(e.target);
    load(w, true);
  }
}

function onMutations(records: MutationRecord[]): void {
  let removed = false;
  for (const r of records) {
    if (r.type == "childList") {
      removed = removed || r.removedNodes.length > 0;
      r.addedNodes.forEach((n) => n.nodeType == 1 && find(n as Element));
      continue;
    }
    const w = widgets.get(r.target as HTMLElement);
    // A single-page shop changes data-product-id when the shopper opens another product.
    if (w && w.loads) load(w, true);
    else if (!w && r.attributeName == attr) add(r.target as HTMLElement);
  }
  // A container moved elsewhere in one go is still connected here, and is kept.
  if (removed) sweep();
}

/**
 * checkConfigs re-fetches the config of every widget fetched before, redrawing those that
 * changed; one that failed (the API was down) gets another try.
 */
function checkConfigs(): void {
  planCheck();
  configs = new Map();
  sweep();
  widgets.forEach((w) => w.loads && load(w, false));
}

/** configOf answers the placement's config, asking the API once per check. */
function configOf(placement: string, deadline: number): Promise<Answer> {
  const tick = configs;
  let got = tick.get(placement);
  if (!got) {
    const asked = (got = getJSON(url(endpoint, "/api/v1/widgets/" + encodeURIComponent(placement), {}), deadline));
    tick.set(placement, asked);
    asked.then((a) => a.status == 200 || tick.get(placement) != asked || tick.delete(placement));
  }
  return got;
}

/**
 * load fetches the widget's config and, when it changed or a redraw is pending, its
 * recommendations, then draws them. Any failure leaves the widget as it was, but for a
 * refused key (revoked, tenant suspended), which empties it; nothing is thrown (US6-3).
 */
function load(w: Widget, force: boolean): void {
  // An unforced load may overtake a forced one still in flight (the minute's check comes
  // just after a new data-product-id): the flag makes it draw in the forced one's stead.
  if (force) w.force = true;
  fetchAndDraw(w).catch(noop);
}

async function fetchAndDraw(w: Widget): Promise<void> {
  const n = ++w.loads;
  // The whole load, config and recommendations, has one budget: a slow config leaves
  // less time for the recommendations, never more in all.
  const deadline = Date.now() + timeoutMs;
  const current = () => n == w.loads && widgets.get(w.el) == w; // not overtaken, still on the page
  const placement = (w.el.getAttribute(attr) || "").trim();
  if (!placement) return;
  const got = await configOf(placement, deadline);
  if (!current()) return;
  const cfg = got.status == 200 && isObject(got.body) ? readConfig(got.body.data) : null;
  if (!cfg) return refused(w, got);
  const version = got.etag || JSON.stringify(got.body);
  if (!w.force && version == w.version) return;
  const data = w.el.dataset;
  const limit = parseInt(data.limit || "", 10);
  const recs = await getJSON(
    url(endpoint, "/api/v1/recommendations", {
      userId: userId(),
      placement,
      limit: limit >= 1 && limit <= 50 ? limit : cfg.itemCount,
      productId: (data.productId || "").trim(),
      strategy: (data.strategy || "").trim() || cfg.strategy,
    }),
    deadline,
  );
  if (!current()) return;
  const set = recs.status == 200 ? readRecommendations(recs.body) : null;
  if (!set) return refused(w, recs);
  w.version = version;
  w.force = false;
  unwatchImpressions(w.cards.map((c) => c.el));
  w.cards = [];
  if (!set.items.length) return w.root ? clear(w.root) : undefined;
  if (w.root === undefined) w.root = mount(w.el);
  if (!w.root) return;
  w.cards = render(w.root, cfg, set);
  w.cards.forEach((c, i) => follow(c, { productId: c.item.productId, recommendationId: set.recommendationId, placement, position: i + 1 }));
}

/** refused empties a drawn widget whose key the API refused; other failures keep it. */
function refused(w: Widget, got: Answer): void {
  if (w.root && (got.status == 401 || got.status == 403)) {
    unwatchImpressions(w.cards.map((c) => c.el));
    w.cards = [];
    w.version = undefined;
    clear(w.root);
  }
}

/** follow tracks a card's impression and its clicks (US6-2, US6-4). */
function follow(c: Card, event: Fields): void {
  if (!event.recommendationId) return; // the API requires it on both events
  watchImpression(c.el, event);
  const link = c.link;
  if (!link) return;
  // Sent before the browser navigates: the beacon is queued synchronously, and the click
  // is neither prevented nor delayed. A middle click opens the product too (auxclick).
  const clicked = guard((e: MouseEvent) => e.button < 2 && trackNow("recommendation_clicked", event));
  link.addEventListener("click", clicked);
  link.addEventListener("auxclick", clicked);
}
