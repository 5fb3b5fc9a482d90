// Event tracking: events are queued and sent in batches (POST /api/v1/events/batch), so a
// page that shows twenty cards sends one request, not twenty.

import { Endpoint, post, url } from "./api";
import { anonymousId, sessionId, userId } from "./identity";
import { guard, own } from "./safe";

export type Fields = Record<string, unknown>;

// The event types of api/openapi.yaml (FR-009), each with the fields it needs besides
// eventType, userId and productId.
const needs: Record<string, string[]> = {
  product_viewed: [],
  product_clicked: [],
  add_to_cart: [],
  remove_from_cart: [],
  purchase: ["orderId"],
  recommendation_clicked: ["recommendationId", "placement"],
  recommendation_impressed: ["recommendationId", "placement"],
};

// The Event fields a page may set. The API rejects an event with any other field, so an
// unknown one is dropped here rather than losing the whole event.
const allowed = [
  "userId", "productId", "timestamp", "sessionId", "anonymousId", "recommendationId", "placement",
  "position", "orderId", "price", "quantity", "currency", "metadata",
];
// Shops often number their products, orders and users; the API takes ids as strings.
const ids = ["userId", "productId", "sessionId", "anonymousId", "recommendationId", "placement", "orderId"];

const maxBatch = 100; // the API's limit per request
// sendBeacon and fetch keepalive refuse a body past 64 KiB: a request stays under this.
const maxBytes = 60000 - 14; // less '{"events":[' and ']}'
const flushCount = 20;
const flushDelayMs = 1000;

/** Queued is an event as it will be sent: serialised when tracked, so flush cannot fail. */
interface Queued {
  k: string; // type, product and user: what the API de-duplicates on, with the receipt time
  s: string; // the event's JSON
  b: number; // at most the bytes it adds to a request (its JSON and a comma)
}

let endpoint: Endpoint | undefined;
const queue: Queued[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
const later = guard(flush);

/** startTracker sets where events go and sends what is queued when the page is left. */
export function startTracker(ep: Endpoint): void {
  endpoint = ep;
  // pagehide and a hidden tab are the last moments a page is sure to run (mobile
  // browsers may discard a hidden tab without another event).
  addEventListener("pagehide", later);
  document.addEventListener("visibilitychange", guard(() => document.hidden && flush()));
}

/**
 * track queues one event, reporting whether it was valid. Identity fields are filled in;
 * the rest are checked against the API's rules so a bad call is dropped here, quietly,
 * instead of being rejected by the server. It never throws: fields the page passes may
 * hold anything (a BigInt, a cycle, a getter or toJSON that throws), and such an event is
 * refused here, while the events queued beside it still go.
 */
export function track(eventType: unknown, fields: Fields = {}): boolean {
  try {
    const type = String(eventType);
    if (!own(needs, type) || typeof fields != "object" || !fields) return false;
    const ev: Fields = { eventType: type, userId: userId(), anonymousId: anonymousId(), sessionId: sessionId() };
    for (const k of allowed) {
      let v = fields[k];
      if (ids.indexOf(k) >= 0 && (typeof v == "number" || typeof v == "bigint")) v = String(v);
      if (v !== undefined && v !== null && v !== "") ev[k] = v;
    }
    for (const k of ["productId"].concat(needs[type])) if (!ev[k] || typeof ev[k] != "string") return false;
    const s = JSON.stringify(ev);
    // Counting every non-ASCII UTF-16 unit as 3 bytes over-counts UTF-8 a little: safe.
    const b = s.replace(/[^\0-\x7f]/g, "...").length + 1;
    if (b > maxBytes) return false; // no request could carry it
    enqueue({ k: type + "\n" + ev.productId + "\n" + ev.userId, s, b });
    return true;
  } catch {
    return false;
  }
}

/** trackNow queues an event and sends the queue at once: a click that navigates away next. */
export function trackNow(eventType: string, fields: Fields): void {
  if (track(eventType, fields)) flush();
}

function enqueue(q: Queued): void {
  // The API takes an event without timestamp at its receipt time and drops a second one
  // of the same user, type, product and timestamp as a duplicate (FR-010), so two such
  // events (one product impressed in two placements) must not share a request. And a
  // queue is always one request's worth: flushed before it would grow past maxBytes.
  if (queue.some((x) => x.k == q.k) || queue.reduce((n, x) => n + x.b, q.b) > maxBytes) flush();
  queue.push(q);
  if (queue.length >= flushCount) flush();
  else if (!timer) timer = setTimeout(later, flushDelayMs);
}

/** flush sends every queued event, in requests of at most maxBatch events and maxBytes. */
export function flush(): void {
  clearTimeout(timer);
  timer = undefined;
  while (endpoint && queue.length) {
    let n = 0;
    for (let b = 0; n < queue.length && n < maxBatch && (b += queue[n].b) <= maxBytes; ) n++;
    post(url(endpoint, "/api/v1/events/batch", {}), '{"events":[' + queue.splice(0, n || 1).map((x) => x.s).join() + "]}");
  }
}
