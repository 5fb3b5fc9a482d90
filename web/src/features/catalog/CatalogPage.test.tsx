import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CatalogPage } from "./CatalogPage";

// The server, faked at fetch: the tenant, a catalog page, and PATCH/batch answers per test.
type Answer = { status: number; body?: unknown };
type Handler = (method: string, url: URL, body: unknown) => Answer | Promise<Answer> | undefined;
let handler: Handler;
const calls: { method: string; url: URL; body: unknown }[] = [];

const item = (id: string, name: string, available = true) => ({
  productId: id,
  name,
  category: "Kitchen",
  price: 12.5,
  currency: "EUR",
  imageUrl: id === "p1" ? "https://cdn.example/p1.png" : "javascript:alert(1)",
  url: "",
  description: "",
  brand: "",
  attributes: {},
  available,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
});
const tenant = { id: "t1", name: "Shop", status: "active", config: { currency: "USD" }, createdAt: "2026-01-01T00:00:00Z" };

beforeEach(() => {
  calls.length = 0;
  history.replaceState(null, "", "/tenants/t1/catalog");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://localhost");
      const method = init?.method ?? "GET";
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method, url, body });
      let res = await handler(method, url, body);
      if (!res && method === "GET" && url.pathname === "/api/v1/tenants/t1") res = { status: 200, body: { data: tenant } };
      if (!res) res = { status: 404, body: { title: "Not Found", detail: "No such thing." } };
      return new Response(res.body === undefined ? null : JSON.stringify(res.body), { status: res.status, headers: { "Content-Type": "application/json" } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <CatalogPage tenantId="t1" />
    </QueryClientProvider>,
  );
}

const listOf = (...items: ReturnType<typeof item>[]) => ({ status: 200, body: { data: items, meta: { total: items.length, limit: 50, offset: 0 } } });

describe("CatalogPage", () => {
  it("lists products: a safe lazy thumbnail, the name linked, the price in the item's currency", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf(item("p1", "Blue Mug"), item("p2", "Red Mug")) : undefined);
    renderPage();
    const link = await screen.findByRole("link", { name: "Blue Mug" });
    expect(link.getAttribute("href")).toBe("/tenants/t1/catalog/items/p1");
    const rows = screen.getAllByRole("row");
    const img = rows[1].querySelector("img");
    expect(img?.getAttribute("src")).toBe("https://cdn.example/p1.png");
    expect(img?.getAttribute("loading")).toBe("lazy");
    expect(rows[2].querySelector("img")).toBeNull(); // a javascript: URL is never loaded
    expect(within(rows[1]).getByText(/12\.50/).textContent).toMatch(/€/);
    expect(screen.getByText("2 products in the catalog.")).toBeTruthy();
    expect(screen.getByText("1–2 of 2")).toBeTruthy();
    expect(calls.find((c) => c.url.pathname.endsWith("/catalog"))?.url.search).toBe("?limit=50&offset=0");
  });

  it("switches a product unavailable at once, before the server answers, then says so", async () => {
    let answer!: () => void;
    handler = (m, u, body) => {
      if (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog") return listOf(item("p1", "Blue Mug"));
      if (m === "PATCH" && u.pathname === "/api/v1/tenants/t1/catalog/p1")
        return new Promise<Answer>((ok) => (answer = () => ok({ status: 200, body: { data: { ...item("p1", "Blue Mug"), ...(body as object) } } })));
    };
    renderPage();
    const sw = (await screen.findByRole("switch", { name: "Available: Blue Mug" })) as HTMLInputElement;
    expect(sw.checked).toBe(true);
    fireEvent.click(sw);
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ available: false }));
    expect((screen.getByRole("switch", { name: "Available: Blue Mug" }) as HTMLInputElement).checked).toBe(false); // optimistic: not answered yet
    expect(screen.queryByText(/is unavailable/)).toBeNull();
    answer();
    const said = await screen.findByText("“Blue Mug” is unavailable: it is out of recommendations from now on.");
    expect(said.getAttribute("role")).toBe("status");
    expect((screen.getByRole("switch", { name: "Available: Blue Mug" }) as HTMLInputElement).checked).toBe(false);
  });

  it("puts the switch back and says why when the change fails", async () => {
    handler = (m, u) => {
      if (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog") return listOf(item("p1", "Blue Mug"));
      if (m === "PATCH") return { status: 500, body: { title: "Internal Server Error", detail: "Something went wrong on our side." } };
    };
    renderPage();
    const sw = await screen.findByRole("switch", { name: "Available: Blue Mug" });
    fireEvent.click(sw);
    const said = await screen.findByText(/could not be made unavailable/);
    expect(said.textContent).toBe("“Blue Mug” could not be made unavailable: Something went wrong on our side. It is still available.");
    expect(said.getAttribute("role")).toBe("status");
    expect((screen.getByRole("switch", { name: "Available: Blue Mug" }) as HTMLInputElement).checked).toBe(true);
  });

  it("an empty catalog says how to load one", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf() : undefined);
    renderPage();
    await screen.findByText("Your catalog is empty.");
    expect(screen.getByRole("link", { name: "Integration" }).getAttribute("href")).toBe("/tenants/t1/integration");
    expect(screen.getByRole("link", { name: "upload a JSON or CSV file" }).getAttribute("href")).toBe("#upload");
  });

  it("puts the search in the URL after a pause in typing, and asks the API with it", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf(item("p1", "Blue Mug")) : undefined);
    renderPage();
    await screen.findByRole("link", { name: "Blue Mug" });
    fireEvent.change(screen.getByLabelText("Search by name"), { target: { value: "mu" } });
    fireEvent.change(screen.getByLabelText("Search by name"), { target: { value: "mug" } });
    expect(location.search).toBe("");
    await waitFor(() => expect(location.search).toBe("?search=mug"));
    fireEvent.change(screen.getByLabelText("Availability"), { target: { value: "unavailable" } });
    expect(location.search).toBe("?search=mug&available=unavailable");
    await waitFor(() => expect(calls.some((c) => c.url.search === "?limit=50&offset=0&search=mug&available=false")).toBe(true));
    expect(calls.some((c) => c.url.searchParams.get("search") === "mu")).toBe(false); // debounced
  });
});

describe("UploadSection", () => {
  it("uploads a CSV in batches and lists the rejected row by its field", async () => {
    handler = (m, u, body) => {
      if (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog") return listOf();
      if (m === "POST" && u.pathname === "/api/v1/tenants/t1/catalog/batch") {
        const items = (body as { items: { price?: unknown }[] }).items;
        const bad = items.findIndex((it) => typeof it.price === "string");
        const errors = bad < 0 ? [] : [{ index: bad, detail: "1 field is invalid.", errors: [{ field: `items[${bad}].price`, message: "must be a number" }] }];
        return { status: 200, body: { data: { created: items.length - errors.length, updated: 0, rejected: errors.length }, errors } };
      }
    };
    renderPage();
    await screen.findByText("Your catalog is empty.");
    const lines = ["productId,name,price", ...Array.from({ length: 600 }, (_, i) => `p${i},"Product ${i}, plain",${i === 550 ? "free" : i}`)];
    const file = new File([lines.join("\r\n")], "products.csv", { type: "text/csv" });
    const input = screen.getByLabelText("Product file (JSON or CSV)");
    Object.defineProperty(input, "files", { value: [file] });
    fireEvent.change(input);
    fireEvent.click(screen.getByRole("button", { name: "Upload" }));
    await screen.findByText("Upload finished: 599 created, 0 updated, 1 rejected.");
    const batches = calls.filter((c) => c.url.pathname.endsWith("/batch")).map((c) => (c.body as { items: unknown[] }).items.length);
    expect(batches).toEqual([500, 100]);
    const table = screen.getByRole("table", { name: /Rejected products/ });
    expect(within(table).getByRole("rowheader").textContent).toBe("Row 552");
    expect(within(table).getByText("price")).toBeTruthy();
    expect(within(table).getByText("must be a number")).toBeTruthy();
  });

  it("refuses a file over 20 MB without reading it", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf() : undefined);
    renderPage();
    await screen.findByText("Your catalog is empty.");
    const file = new File(["x"], "big.csv");
    Object.defineProperty(file, "size", { value: 21 * 1024 * 1024 });
    const text = vi.spyOn(file, "text");
    const input = screen.getByLabelText("Product file (JSON or CSV)");
    Object.defineProperty(input, "files", { value: [file] });
    fireEvent.click(screen.getByRole("button", { name: "Upload" }));
    await waitFor(() => expect(input.getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText(/The file is 21\.0 MB: at most 20 MB can be uploaded here/)).toBeTruthy();
    expect(text).not.toHaveBeenCalled();
    expect(calls.some((c) => c.url.pathname.endsWith("/batch"))).toBe(false);
  });
});
