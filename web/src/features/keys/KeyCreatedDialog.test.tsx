import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KeysPage } from "./KeysPage";

const fullKey = "rk_pub_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbA";
const secretKey = "rk_live_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2Nzg5";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** a fake API holding the tenant's keys: the list gives prefixes only, as the server does. */
function fakeAPI(full = fullKey) {
  const keys: Record<string, unknown>[] = [];
  return vi.fn(async (url: string, init: RequestInit) => {
    const ok = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (init.method === "POST" && url === "/api/v1/tenants/t1/api-keys") {
      const body = JSON.parse(String(init.body));
      const k = { id: "k1", prefix: full.slice(0, 12), createdAt: "2026-11-26T10:00:00Z", lastUsedAt: null, ...body };
      keys.unshift(k);
      return ok(201, { data: { ...k, key: full } });
    }
    if (init.method === "GET" && url.startsWith("/api/v1/tenants/t1/api-keys")) return ok(200, { data: keys, meta: { total: keys.length, limit: 10, offset: 0 } });
    return ok(404, { detail: "not found" });
  });
}

describe("the key-created dialog", () => {
  it("shows the full key once, with a warning, and never again after it is closed", async () => {
    vi.stubGlobal("fetch", fakeAPI());
    const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={queries}>
        <KeysPage tenantId="t1" />
      </QueryClientProvider>,
    );
    fireEvent.change(await screen.findByLabelText("Key name"), { target: { value: "Storefront" } });
    fireEvent.click(screen.getByRole("button", { name: "Create key" }));

    const dialog = await screen.findByRole("alertdialog");
    expect(within(dialog).getByRole("heading").textContent).toBe("Your new publishable key");
    expect(dialog.textContent).toContain("you will not see it again");
    expect((within(dialog).getByLabelText("API key") as HTMLInputElement).value).toBe(fullKey);
    expect(within(dialog).getByRole("button", { name: "Copy key" })).toBeTruthy();

    fireEvent.click(within(dialog).getByRole("button", { name: "I have stored it" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    // The list shows the key by its prefix; the full key is nowhere in the page any more.
    expect(await screen.findByRole("rowheader", { name: "Storefront" })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(fullKey);
    expect(screen.getByText(fullKey.slice(0, 12) + "…")).toBeTruthy();
  });
});

describe("a created secret key", () => {
  it("leaves the DOM, storage, the URL and the query and mutation caches when its dialog closes", async () => {
    vi.stubGlobal("fetch", fakeAPI(secretKey));
    const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={queries}>
        <KeysPage tenantId="t1" />
      </QueryClientProvider>,
    );
    fireEvent.change(await screen.findByLabelText("Key name"), { target: { value: "Order sync" } });
    fireEvent.change(screen.getByLabelText("Type"), { target: { value: "secret" } });
    fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    const dialog = await screen.findByRole("alertdialog");
    expect((within(dialog).getByLabelText("API key") as HTMLInputElement).value).toBe(secretKey);
    const caches = () => JSON.stringify([queries.getQueryCache().getAll().map((q) => q.state), queries.getMutationCache().getAll().map((m) => m.state)]);
    expect(caches()).toContain(secretKey); // it was there while shown

    fireEvent.click(within(dialog).getByRole("button", { name: "I have stored it" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    await screen.findByRole("rowheader", { name: "Order sync" });
    const everywhere = () => [document.documentElement.outerHTML, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }), location.href, caches()].join("\n");
    // The list shows its 12-character prefix; the rest of the secret is gone ("rk_live_…" is
    // also in the Type field's label, so the check is for the key itself and its secret part).
    await waitFor(() => {
      expect(everywhere()).not.toContain(secretKey);
      expect(everywhere()).not.toContain(secretKey.slice(12));
    });
  });
});
