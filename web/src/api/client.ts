// The one API client of the dashboard: a fetch wrapper that adds the admin's access token,
// turns RFC 7807 problems into ApiError, parses every success body with its Zod schema,
// and on a 401 refreshes the token once (the refresh cookie) and retries.
//
// The access token lives in this module's memory only (never storage, which any injected
// script could read); a reload gets a new one from the HttpOnly refresh cookie.

import type * as z from "zod/mini";
import { problem as problemSchema, session, type Problem, type Session } from "./schemas";

/** ApiError is a failed call: its HTTP status and the problem document the server sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = "ApiError";
  }
  /** fieldErrors maps each field named by the problem's `errors` to its message. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) out[e.field] ??= e.message;
    return out;
  }
}

/** parseProblem reads a failed response's body, whatever it is, into a Problem. */
export async function parseProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => "");
  try {
    const got = problemSchema.safeParse(JSON.parse(text));
    if (got.success) return { status: res.status, ...got.data };
  } catch {
    // not JSON: a proxy's page or a plain-text error
  }
  return { status: res.status, title: res.statusText, detail: text.trim().slice(0, 300) || `Request failed (${res.status})` };
}

/**
 * RefreshError is a refresh that could not be done for now (network down, 5xx, 429): the
 * session is not over, and the call may be retried. Only a 401 from /auth/refresh ends it.
 */
export class RefreshError extends Error {
  constructor(readonly cause?: unknown) {
    super("The server could not be reached to renew the session. Try again.");
    this.name = "RefreshError";
  }
}

/** LogoutError is a logout the server did not confirm: the admin is still signed in. */
export class LogoutError extends Error {
  constructor(message = "Logging out failed: you are still signed in. Check your connection and try again.") {
    super(message);
    this.name = "LogoutError";
  }
}

let token: string | null = null;
let current: Session | null = null;
// epoch counts sign-outs: a refresh started before one must not bring the session back.
let epoch = 0;
let refreshing: Promise<Session | null> | null = null;
let loggingOut: Promise<void> | null = null;
const listeners = new Set<(s: Session | null) => void>();

// Tabs of the dashboard share one cookie jar, so one refresh cookie. Refreshes are
// serialised across tabs with a Web Lock (a second tab then sends the cookie the first one
// was given, never the rotated one, which would revoke the family), and a new session or
// a logout is told to the other tabs so they take it instead of refreshing again.
const lockName = "recomengine-refresh";
type Message = { type: "session"; session: Session } | { type: "signedOut" };
const channel: BroadcastChannel | null = typeof BroadcastChannel === "function" ? new BroadcastChannel("recomengine-session") : null;
channel?.addEventListener("message", (e: MessageEvent<Message>) => {
  const m = e.data;
  if (m?.type === "session" && m.session) setSession(m.session);
  else if (m?.type === "signedOut") {
    epoch++;
    setSession(null);
  }
});
function tell(m: Message) {
  try {
    channel?.postMessage(m);
  } catch {
    // a closed channel: the other tabs refresh on their own
  }
}

/** withLock runs f holding the cross-tab refresh lock when the browser has Web Locks. */
function withLock<T>(f: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  return locks ? (locks.request(lockName, f) as Promise<T>) : f();
}

/** onSession calls f whenever the session starts, is refreshed or ends; returns the unsubscribe. */
export function onSession(f: (s: Session | null) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function setSession(s: Session | null) {
  token = s ? s.token : null;
  current = s;
  for (const f of listeners) f(s);
}

/**
 * refresh exchanges the refresh cookie for a new access token, or ends the session (null)
 * when the server answers 401. A network error, 5xx or 429 throws RefreshError and leaves
 * the session as it is. Calls made while one is under way share it, in this tab and (with
 * Web Locks) across tabs: the cookie rotates on every use and a reused one revokes its
 * whole family, so two refreshes at once would sign the admin out.
 */
export function refresh(): Promise<Session | null> {
  if (refreshing) return refreshing;
  const started = epoch;
  const tokenBefore = token;
  const run = async (): Promise<Session | null> => {
    if (loggingOut) await loggingOut.catch(() => undefined);
    if (epoch !== started) return null; // signed out meanwhile (here or in another tab)
    // Another tab refreshed while this one waited for the lock: take its session.
    if (token !== null && token !== tokenBefore) return current;
    let res: Response;
    try {
      res = await fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin" });
    } catch (err) {
      throw new RefreshError(err);
    }
    if (res.status === 401) {
      if (epoch === started) setSession(null);
      return null;
    }
    if (!res.ok) throw new RefreshError(new ApiError(res.status, await parseProblem(res)));
    let s: Session;
    try {
      s = session.parse(((await res.json()) as { data: unknown }).data);
    } catch (err) {
      throw new RefreshError(err);
    }
    if (epoch !== started) return null; // logged out while the answer was on its way
    setSession(s);
    tell({ type: "session", session: s });
    return s;
  };
  const p = withLock(run).finally(() => {
    if (refreshing === p) refreshing = null;
  });
  refreshing = p;
  return p;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
}

/**
 * request calls the API at path (under /api/v1) and returns the body parsed by schema
 * (undefined for a 204). A 401 refreshes the token and retries once; a second 401 ends the
 * session. Any other failure throws ApiError.
 */
export async function request<T extends z.ZodMiniType>(method: string, path: string, schema: T | null, opts: RequestOptions = {}): Promise<z.infer<T>> {
  const res = await call(method, path, opts, "application/json");
  if (res.status === 204 || !schema) return undefined as z.infer<T>;
  return schema.parse(await res.json()) as z.infer<T>;
}

/** download GETs a file under /api/v1 (e.g. a CSV export) with the same auth as request. */
export async function download(path: string, query: RequestOptions["query"], accept: string): Promise<Blob> {
  return (await call("GET", path, { query }, accept)).blob();
}

async function call(method: string, path: string, opts: RequestOptions, accept: string): Promise<Response> {
  let url = "/api/v1" + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== "") q.set(k, String(v));
    if (q.size) url += "?" + q;
  }
  let sentWith: string | null = null;
  const send = () => {
    const headers: Record<string, string> = { Accept: accept };
    sentWith = token;
    if (token) headers.Authorization = "Bearer " + token;
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, { method, headers, credentials: "same-origin", body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  };
  let res = await send();
  if (res.status === 401 && !path.startsWith("/auth/")) {
    // Sent with a token that has been replaced since (another call refreshed): resend with
    // the new one rather than spending the refresh cookie again.
    if (token !== null && token !== sentWith) res = await send();
    else if (await refresh()) res = await send();
    else throw new ApiError(401, await parseProblem(res));
    if (res.status === 401 && token === sentWith) setSession(null);
  }
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  return res;
}

/** signIn posts credentials to /auth/login or /auth/signup and starts the session. */
export async function signIn(kind: "login" | "signup", email: string, password: string): Promise<Session> {
  const res = await fetch(`/api/v1/auth/${kind}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  const s = session.parse(((await res.json()) as { data: unknown }).data);
  setSession(s);
  tell({ type: "session", session: s });
  return s;
}

/**
 * signOut revokes the refresh cookie's family and forgets the access token, here and in
 * the other tabs. It waits for a refresh under way (whose answer is then ignored) and
 * throws LogoutError, leaving the session as it was, when the server did not confirm it.
 */
export function signOut(): Promise<void> {
  if (loggingOut) return loggingOut;
  const p = (async () => {
    await refreshing?.catch(() => undefined);
    let res: Response;
    try {
      res = await withLock(() => fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" }));
    } catch {
      throw new LogoutError();
    }
    // 401: the cookie was already gone, so there is no session to end on the server either.
    if (!res.ok && res.status !== 401) throw new LogoutError(`Logging out failed (${(await parseProblem(res)).detail}): you are still signed in. Try again.`);
    epoch++;
    setSession(null);
    tell({ type: "signedOut" });
  })().finally(() => {
    loggingOut = null;
  });
  loggingOut = p;
  return p;
}

/** hasToken reports whether an access token is held (for tests and the first render). */
export function hasToken(): boolean {
  return token !== null;
}
