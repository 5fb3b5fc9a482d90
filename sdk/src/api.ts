// The SDK's HTTP calls. Every request is CORS-simple (a GET, or a POST of a text/plain
// string, with no custom header), so the browser sends no preflight: the publishable key
// goes in the apiKey query parameter and credentials are never sent.

import { guard, noop } from "./safe";

/** Endpoint is where the API is and which publishable key the page uses. */
export interface Endpoint {
  base: string; // e.g. "https://api.example", no trailing slash
  key: string;
}

/** Answer is a GET's outcome: ok with its JSON body, or the HTTP status (0: no answer). */
export interface Answer {
  status: number;
  body?: unknown;
  etag: string;
}

// A widget that is not drawn within a few seconds is not worth drawing: the page has
// moved on. A load (its config, then its recommendations) gets this long in all; past it
// the request in flight is aborted and the container stays as it was (US6-3).
export const timeoutMs = 3000;

/** url builds an API URL with the key and the parameters given, skipping empty ones. */
export function url(ep: Endpoint, path: string, params: Record<string, string | number | undefined>): string {
  let q = "?apiKey=" + encodeURIComponent(ep.key);
  for (const k in params) {
    const v = params[k];
    if (v !== undefined && v !== "") q += "&" + k + "=" + encodeURIComponent(v);
  }
  return ep.base + path + q;
}

/**
 * getJSON fetches a URL and parses its JSON, never rejecting: a network error, passing the
 * deadline (a Date.now() time) or a body that is not JSON all answer status 0. cache "no-cache" makes the browser
 * revalidate what it holds with If-None-Match itself (a header the page may not add
 * without a preflight); the caller compares ETags to tell an unchanged answer.
 */
export async function getJSON(href: string, deadline: number): Promise<Answer> {
  const ctl = typeof AbortController == "function" ? new AbortController() : undefined;
  const timer = setTimeout(guard(() => ctl && ctl.abort()), deadline - Date.now());
  try {
    const res = await fetch(href, { credentials: "omit", cache: "no-cache", signal: ctl && ctl.signal });
    const etag = res.headers.get("ETag") || "";
    if (res.status != 200) return { status: res.status, etag };
    return { status: 200, body: await res.json(), etag };
  } catch {
    return { status: 0, etag: "" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * post sends a JSON body as a text/plain string. sendBeacon hands the request to the
 * browser, which delivers it even while the page unloads (a click that navigates); when it
 * refuses (over its quota), fetch with keepalive does the same job. Both refuse bodies past
 * 64 KiB, so the tracker never hands over more than 60,000 bytes at once. Nothing reads the
 * answer, so the fetch is no-cors: a refusal never shows up as a CORS error in the console.
 */
export function post(href: string, body: string): void {
  try {
    if (navigator.sendBeacon && navigator.sendBeacon(href, body)) return;
  } catch {
    // fall through to fetch
  }
  fetch(href, { method: "POST", body, keepalive: true, credentials: "omit", mode: "no-cors" }).catch(noop);
}
