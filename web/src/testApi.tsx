// Test support for pages that call the API: the server faked at fetch, and rendering with a
// query client that does not retry (a refused call shows at once).

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { vi } from "vitest";

export type Answer = { status: number; body?: unknown };
export type FakeCall = { method: string; url: URL; path: string; body: unknown };

/** testTenant is the tenant "t1" the fake answers for GET /api/v1/tenants/t1 unless told otherwise. */
export const testTenant = { id: "t1", name: "Shop", status: "active", config: { currency: "USD" }, createdAt: "2026-01-01T00:00:00Z" };

/**
 * fakeApi stubs fetch with answer, which says what each call gets (undefined: the tenant
 * for its GET, else a 404 problem), and returns the calls made, in order. Undo it with
 * vi.unstubAllGlobals().
 */
export function fakeApi(answer: (method: string, url: URL, body: unknown) => Answer | Promise<Answer> | undefined): FakeCall[] {
  const calls: FakeCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://localhost");
      const method = init?.method ?? "GET";
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, path: url.pathname, body });
      let res = await answer(method, url, body);
      if (!res && method === "GET" && url.pathname === "/api/v1/tenants/t1") res = { status: 200, body: { data: testTenant } };
      if (!res) res = { status: 404, body: { title: "Not Found", detail: "No such thing." } };
      return new Response(res.body === undefined ? null : JSON.stringify(res.body), { status: res.status, headers: { "Content-Type": "application/json" } });
    }),
  );
  return calls;
}

/** renderWithQueries renders ui under a fresh query client. */
export function renderWithQueries(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}
