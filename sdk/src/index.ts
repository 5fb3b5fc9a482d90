// RecomEngine's browser SDK (DESIGN §7): one async script tag draws the page's
// recommendation widgets and tracks impressions and clicks; window.recomengine lets the
// page identify the shopper and track views, carts and purchases.
//
//   <script async src="https://api.example/sdk/recomengine.v1.js" data-api-key="rk_pub_…"></script>
//
// On the merchant's page the SDK never throws, blocks or logs (STYLE.md): every entry
// point below, and every callback the browser makes into the SDK, swallows its errors
// (safe.ts).

import { Endpoint } from "./api";
import { identify } from "./identity";
import { guard, own } from "./safe";
import { Fields, startTracker, track } from "./tracker";
import { refreshWidgets, startWidgets } from "./widget";

/** API is window.recomengine once the SDK has loaded. */
export interface API {
  identify(userId: string | null): void;
  track(eventType: string, fields?: Fields): boolean;
  refresh(): void;
  /** push runs one queued call, [method, ...args]: the stub's queue keeps working after load. */
  push(call: unknown): void;
}

declare global {
  interface Window {
    recomengine?: API | unknown[];
  }
}

/** endpointOf reads the API key and base URL from the script tag; undefined without a key. */
function endpointOf(s: HTMLScriptElement | null): Endpoint | undefined {
  const key = s && (s.getAttribute("data-api-key") || "").trim();
  if (!s || !key) return;
  // The script is served by the API itself, so its origin is the API's, unless the page
  // names another (a proxy, a regional host).
  const given = (s.getAttribute("data-api-url") || "").trim();
  const base = given ? new URL(given, location.href).href.replace(/\/+$/, "") : new URL(s.src).origin;
  return { base, key };
}

function start(): void {
  const queued = window.recomengine;
  // A second copy of the script on the page leaves the first in charge.
  if (queued && !Array.isArray(queued)) return;
  // Only while the script first runs does currentScript name it; later it is null.
  const script = document.currentScript || document.querySelector("script[data-api-key][src*='recomengine']");
  const ep = endpointOf(script as HTMLScriptElement | null);
  if (!ep) return;
  startTracker(ep);
  const api: API = {
    identify: guard(identify),
    track, // which catches everything itself, to answer false
    refresh: guard(refreshWidgets),
    // Only the methods above: never one inherited from Object.prototype (["constructor"]).
    push: guard((call: unknown) => {
      if (Array.isArray(call) && call[0] != "push" && own(api, call[0])) {
        (api as unknown as Record<string, (...a: unknown[]) => unknown>)[call[0]](...call.slice(1));
      }
    }),
  };
  window.recomengine = api;
  // Calls made before the script loaded run first, so an identify() queued by the page
  // decides whose recommendations the widgets fetch.
  (queued || []).forEach(api.push);
  startWidgets(ep);
}

guard(start)();
