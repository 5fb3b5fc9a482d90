import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Router, navigate } from "../router";
import { App } from "./App";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ok = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const tenant = (id: string, origin: string) => ({ id, name: `Shop ${id}`, status: "active", config: { allowedOrigins: [origin] }, createdAt: "2026-11-26T10:00:00Z" });

/** a fake API with tenants A and B; it records every write. */
function fakeAPI() {
  const tenants: Record<string, ReturnType<typeof tenant>> = { A: tenant("A", "https://a.example"), B: tenant("B", "https://b.example") };
  const writes: { method: string; url: string; body: unknown }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    if (url === "/api/v1/auth/refresh") return ok(200, { data: { token: "t", user: { id: "u", email: "a@b.example", role: "admin" } } });
    const m = /^\/api\/v1\/tenants\/([^/?]+)(\/[^?]*)?/.exec(url);
    if (!m) return ok(404, { detail: "not found" });
    const [, id, rest = ""] = m;
    if (method !== "GET") {
      const body = JSON.parse(String(init.body));
      writes.push({ method, url, body });
      tenants[id] = { ...tenants[id], config: body.config };
      return ok(200, { data: tenants[id] });
    }
    if (rest === "") return ok(200, { data: tenants[id] });
    return ok(200, { data: [], meta: { total: 0, limit: 5, offset: 0 } });
  });
  return { fetch, writes };
}

describe("moving from one tenant to another", () => {
  it("shows the new tenant's values, and saving writes that tenant only", async () => {
    const api = fakeAPI();
    vi.stubGlobal("fetch", api.fetch);
    history.replaceState(null, "", "/tenants/A/integration");
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <Router>
          <App />
        </Router>
      </QueryClientProvider>,
    );
    const origins = () => screen.getByLabelText("Origins where publishable keys work") as HTMLInputElement;
    await waitFor(() => expect(origins().value).toBe("https://a.example"));
    await waitFor(() => expect(document.title).toBe("Integration · Shop A · RecomEngine"));
    fireEvent.change(origins(), { target: { value: "https://a.example https://typed-for-a.example" } });

    act(() => navigate("/tenants/B/integration")); // e.g. Back/Forward: no page in between
    await waitFor(() => expect(origins().value).toBe("https://b.example"));
    await waitFor(() => expect(document.title).toBe("Integration · Shop B · RecomEngine"));
    fireEvent.click(screen.getByRole("button", { name: "Save origins" }));
    await screen.findByText("Allowed origins saved.");
    expect(api.writes).toEqual([{ method: "PUT", url: "/api/v1/tenants/B", body: { config: { allowedOrigins: ["https://b.example"] } } }]);
  });

  it("treats a malformed escape in the URL as a page not found, not a blank app", async () => {
    vi.stubGlobal("fetch", fakeAPI().fetch);
    history.replaceState(null, "", "/tenants/%E0%A4/keys");
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Router>
          <App />
        </Router>
      </QueryClientProvider>,
    );
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeTruthy();
    expect(document.title).toBe("Page not found · RecomEngine");
  });
});
