import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import { ApiError, LogoutError, RefreshError, hasToken, parseProblem, refresh, request, signIn, signOut } from "./client";

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
const session = (token: string) => ({ data: { token, user: { id: "u1", email: "a@b.example", role: "admin" } } });

afterEach(async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
  await signOut(); // forget the token between tests
  vi.unstubAllGlobals();
});

describe("request", () => {
  it("refreshes the token on a 401 and retries once with the new one", async () => {
    const calls: { url: string; auth?: string }[] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string> | undefined)?.Authorization;
      calls.push({ url, auth });
      if (url === "/api/v1/auth/refresh") return json(200, session("fresh"));
      return auth === "Bearer fresh" ? json(200, { data: { ok: true } }) : json(401, { title: "Unauthorized", status: 401, detail: "Token expired." }, "application/problem+json");
    });
    vi.stubGlobal("fetch", fetch);
    const got = await request("GET", "/tenants", z.object({ data: z.object({ ok: z.boolean() }) }));
    expect(got.data.ok).toBe(true);
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/tenants", "/api/v1/auth/refresh", "/api/v1/tenants"]);
    expect(calls[2].auth).toBe("Bearer fresh");
  });

  it("shares one refresh between calls that fail together (the cookie rotates)", async () => {
    let refreshes = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        if (url === "/api/v1/auth/refresh") {
          refreshes++;
          await new Promise((r) => setTimeout(r, 10));
          return json(200, session("t2"));
        }
        const auth = (init.headers as Record<string, string>).Authorization;
        return auth === "Bearer t2" ? json(200, { data: 1 }) : json(401, { detail: "expired" });
      }),
    );
    await Promise.all([request("GET", "/a", z.object({ data: z.number() })), request("GET", "/b", z.object({ data: z.number() }))]);
    expect(refreshes).toBe(1);
  });

  it("gives up after one retry and throws the 401 when the refresh fails", async () => {
    const fetch = vi.fn(async (url: string) =>
      url === "/api/v1/auth/refresh" ? json(401, { detail: "Session expired." }) : json(401, { title: "Unauthorized", status: 401, detail: "Sign in first." }),
    );
    vi.stubGlobal("fetch", fetch);
    const err = (await request("GET", "/tenants", null).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("turns a problem document into an ApiError with its detail and field errors", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(
          400,
          {
            type: "https://docs.example/problems/invalid",
            title: "Bad Request",
            status: 400,
            detail: "The widget is invalid.",
            code: "invalid",
            requestId: "r1",
            errors: [
              { field: "ctaText", message: "must be 1 to 40 printable characters" },
              { field: "theme.primaryColor", message: "must be a hex colour: #rgb or #rrggbb" },
            ],
          },
          "application/problem+json",
        ),
      ),
    );
    const err = (await request("PUT", "/tenants/t1/widgets/home", null, { body: {} }).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("The widget is invalid.");
    expect(err.problem.requestId).toBe("r1");
    expect(err.fieldErrors()).toEqual({ ctaText: "must be 1 to 40 printable characters", "theme.primaryColor": "must be a hex colour: #rgb or #rrggbb" });
  });

  it("rejects a success body that does not match its schema", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { data: { id: 7 } })));
    await expect(request("GET", "/tenants/x", z.object({ data: z.object({ id: z.string() }) }))).rejects.toThrow();
  });
});

describe("refresh", () => {
  it("keeps the session on a network error, 5xx or 429 and throws a retryable RefreshError", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, session("t1"))));
    await signIn("login", "a@b.example", "pw");
    for (const answer of [() => Promise.reject(new TypeError("network down")), async () => json(503, { detail: "down" }), async () => json(429, { detail: "slow down" })]) {
      vi.stubGlobal("fetch", vi.fn(answer));
      await expect(refresh()).rejects.toBeInstanceOf(RefreshError);
      expect(hasToken()).toBe(true);
    }
    vi.stubGlobal("fetch", vi.fn(async () => json(401, { detail: "Session expired." })));
    expect(await refresh()).toBeNull();
    expect(hasToken()).toBe(false);
  });

  it("resends a call that got a 401 with a token replaced since, without refreshing again", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, session("old"))));
    await signIn("login", "a@b.example", "pw");
    const urls: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        urls.push(url);
        const auth = (init.headers as Record<string, string> | undefined)?.Authorization;
        if (url === "/api/v1/auth/refresh") return json(200, session("new"));
        if (url === "/api/v1/slow" && auth === "Bearer old") {
          await held; // answered 401 only after another call has refreshed
          return json(401, { detail: "expired" });
        }
        return auth === "Bearer new" ? json(200, { data: 1 }) : json(401, { detail: "expired" });
      }),
    );
    const slow = request("GET", "/slow", z.object({ data: z.number() }));
    await request("GET", "/fast", z.object({ data: z.number() })); // 401, refresh, retry
    release();
    expect((await slow).data).toBe(1);
    expect(urls.filter((u) => u === "/api/v1/auth/refresh")).toHaveLength(1);
  });
});

describe("signOut", () => {
  it("tells a failed logout and keeps the session; a network error is no unhandled rejection", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, session("t1"))));
    await signIn("login", "a@b.example", "pw");
    vi.stubGlobal("fetch", vi.fn(async () => json(500, { detail: "boom" })));
    await expect(signOut()).rejects.toBeInstanceOf(LogoutError);
    expect(hasToken()).toBe(true);
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("offline"))));
    await expect(signOut()).rejects.toBeInstanceOf(LogoutError);
    expect(hasToken()).toBe(true);
  });

  it("waits for a refresh under way and ignores its answer", async () => {
    let answer!: (r: Response) => void;
    vi.stubGlobal(
      "fetch",
      vi.fn((url: string) => (url === "/api/v1/auth/refresh" ? new Promise<Response>((r) => (answer = r)) : Promise.resolve(new Response(null, { status: 204 })))),
    );
    const r = refresh();
    const out = signOut();
    answer(json(200, session("late")));
    await out;
    await r;
    expect(hasToken()).toBe(false);
  });
});

describe("two tabs", () => {
  it("refreshing at once both stay signed in: one lock, the new session shared, no reused cookie", async () => {
    // A fake server with rotating refresh cookies in one cookie jar shared by the tabs.
    let jar = "c1";
    let valid = "c1";
    let revoked = false;
    let refreshes = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url !== "/api/v1/auth/refresh") return new Response(null, { status: 204 });
        refreshes++;
        const sent = jar;
        await new Promise((r) => setTimeout(r, 20));
        if (revoked || sent !== valid) {
          revoked = true; // a reused cookie revokes the whole family
          return json(401, { detail: "reused" });
        }
        valid = jar = `c${refreshes + 1}`;
        return json(200, session(`t-${valid}`));
      }),
    );
    // Web Locks: one holder at a time, in request order.
    let tail = Promise.resolve();
    const locks = {
      request: (_name: string, f: () => Promise<unknown>) => {
        const run = tail.then(f);
        tail = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    };
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { locks }));
    vi.resetModules();
    const tabA = await import("./client");
    vi.resetModules();
    const tabB = await import("./client");
    const [a, b] = await Promise.all([tabA.refresh(), tabB.refresh()]);
    expect(revoked).toBe(false);
    expect(a?.token).toBeTruthy();
    expect(b?.token).toBeTruthy();
    expect(tabA.hasToken() && tabB.hasToken()).toBe(true);
    // Logging out in one tab ends the session in the other.
    await tabA.signOut();
    await vi.waitFor(() => expect(tabB.hasToken()).toBe(false));
  });
});

describe("parseProblem", () => {
  it("keeps a non-JSON error body readable", async () => {
    const p = await parseProblem(new Response("upstream timed out\n", { status: 502, statusText: "Bad Gateway" }));
    expect(p).toMatchObject({ status: 502, detail: "upstream timed out" });
  });
  it("reads the RFC 7807 fields", async () => {
    const p = await parseProblem(json(409, { title: "Conflict", status: 409, detail: "A tenant may have at most 10 active keys.", code: "conflict" }));
    expect(p.detail).toBe("A tenant may have at most 10 active keys.");
    expect(p.code).toBe("conflict");
  });
});
