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

let token: string | null = null;
let refreshing: Promise<Session | null> | null = null;
const listeners = new Set<(s: Session | null) => void>();

/** onSession calls f whenever the session starts, is refreshed or ends; returns the unsubscribe. */
export function onSession(f: (s: Session | null) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function setSession(s: Session | null) {
  token = s ? s.token : null;
  for (const f of listeners) f(s);
}

/**
 * refresh exchanges the refresh cookie for a new access token, or ends the session (null).
 * Calls made while one is under way share it: the cookie rotates on every use and a reused
 * one revokes its whole family, so two refreshes at once would sign the admin out.
 */
export function refresh(): Promise<Session | null> {
  refreshing ??= (async () => {
    try {
      const res = await fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin" });
      const s = res.ok ? session.parse(((await res.json()) as { data: unknown }).data) : null;
      setSession(s);
      return s;
    } catch {
      setSession(null);
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
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
  let url = "/api/v1" + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== "") q.set(k, String(v));
    if (q.size) url += "?" + q;
  }
  const send = () => {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, { method, headers, credentials: "same-origin", body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  };
  let res = await send();
  if (res.status === 401 && !path.startsWith("/auth/")) {
    if (await refresh()) res = await send();
    else throw new ApiError(401, await parseProblem(res));
    if (res.status === 401) setSession(null);
  }
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  if (res.status === 204 || !schema) return undefined as z.infer<T>;
  return schema.parse(await res.json()) as z.infer<T>;
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
  return s;
}

/** signOut revokes the refresh cookie's family and forgets the access token. */
export async function signOut(): Promise<void> {
  try {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" });
  } finally {
    setSession(null);
  }
}

/** hasToken reports whether an access token is held (for tests and the first render). */
export function hasToken(): boolean {
  return token !== null;
}
