// Event tracking: events are queued and sent in batches (POST /api/v1/events/batch), so a
// page that shows twenty cards sends one request, not twenty.

import { Endpoint, post, url } from "./api";
import { anonymousId, sessionId, userId } from "./identity";

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

const maxBatch = 100; // the API's limit per request
const flushCount = 20;
const flushDelayMs = 1000;

let endpoint: Endpoint | undefined;
const queue: Fields[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/** startTracker sets where events go and sends what is queued when the page is left. */
export function startTracker(ep: Endpoint): void {
  endpoint = ep;
  // pagehide and a hidden tab are the last moments a page is sure to run (mobile
  // browsers may discard a hidden tab without another event).
  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => document.hidden && flush());
}

/**
 * track queues one event, reporting whether it was valid. Identity fields are filled in;
 * the rest are checked against the API's rules so a bad call is dropped here, quietly,
 * instead of being rejected by the server.
 */
export function track(eventType: unknown, fields: Fields = {}): boolean {
  const need = needs[String(eventType)];
  if (!need || typeof fields != "object" || fields === null) return false;
  const ev: Fields = { eventType, userId: userId(), anonymousId: anonymousId(), sessionId: sessionId() };
  for (const k of allowed) if (fields[k] !== undefined && fields[k] !== null) ev[k] = fields[k];
  // Shops often number their products and orders; the API takes ids as strings.
  for (const k of ["productId", "orderId"]) if (typeof ev[k] == "number") ev[k] = String(ev[k]);
  for (const k of ["productId"].concat(need)) if (!ev[k] || typeof ev[k] != "string") return false;
  enqueue(ev);
  return true;
}

/** trackNow queues an event and sends the queue at once: a click that navigates away next. */
export function trackNow(eventType: string, fields: Fields): void {
  if (track(eventType, fields)) flush();
}

function enqueue(ev: Fields): void {
  // The API takes an event without timestamp at its receipt time and drops a second one
  // of the same user, type, product and timestamp as a duplicate (FR-010), so two such
  // events (one product impressed in two placements) must not share a request.
  if (queue.some((q) => q.eventType == ev.eventType && q.productId == ev.productId && q.userId == ev.userId)) flush();
  queue.push(ev);
  if (queue.length >= flushCount) flush();
  else if (!timer) timer = setTimeout(flush, flushDelayMs);
}

/** flush sends every queued event, in requests of at most maxBatch. */
export function flush(): void {
  clearTimeout(timer);
  timer = undefined;
  if (!endpoint) return;
  while (queue.length) post(url(endpoint, "/api/v1/events/batch", {}), JSON.stringify({ events: queue.splice(0, maxBatch) }));
}
