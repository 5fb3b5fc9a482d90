import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KeysPage } from "./KeysPage";

const fullKey = "rk_pub_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbA";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** a fake API holding the tenant's keys: the list gives prefixes only, as the server does. */
function fakeAPI() {
  const keys: Record<string, unknown>[] = [];
  return vi.fn(async (url: string, init: RequestInit) => {
    const ok = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (init.method === "POST" && url === "/api/v1/tenants/t1/api-keys") {
      const body = JSON.parse(String(init.body));
      const k = { id: "k1", prefix: fullKey.slice(0, 12), createdAt: "2026-11-26T10:00:00Z", lastUsedAt: null, ...body };
      keys.unshift(k);
      return ok(201, { data: { ...k, key: fullKey } });
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
