import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { match } from "../../router";
import { fakeApi, renderWithQueries, type Answer, type FakeCall } from "../../testApi";
import { CatalogPage, thumbnail } from "./CatalogPage";

// The server, faked at fetch: the tenant, a catalog page, and PATCH/batch answers per test.
type Handler = (method: string, url: URL, body: unknown) => Answer | Promise<Answer> | undefined;
let handler: Handler;
let calls: FakeCall[] = [];

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

beforeEach(() => {
  history.replaceState(null, "", "/tenants/t1/catalog");
  calls = fakeApi((method, url, body) => handler(method, url, body));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  return renderWithQueries(<CatalogPage tenantId="t1" />);
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

  it("keeps a switch read-only while its change is saved: a second toggle waits for the answer", async () => {
    const answers: (() => void)[] = [];
    handler = (m, u, body) => {
      if (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog") return listOf(item("p1", "Blue Mug"), item("p2", "Red Mug"));
      if (m === "PATCH" && u.pathname === "/api/v1/tenants/t1/catalog/p1")
        return new Promise<Answer>((ok) => answers.push(() => ok({ status: 200, body: { data: { ...item("p1", "Blue Mug"), ...(body as object) } } })));
      if (m === "PATCH") return { status: 200, body: { data: { ...item("p2", "Red Mug"), ...(body as object) } } };
    };
    renderPage();
    const sw = () => screen.getByRole("switch", { name: "Available: Blue Mug" }) as HTMLInputElement;
    await screen.findByRole("switch", { name: "Available: Blue Mug" });
    fireEvent.click(sw());
    await waitFor(() => expect(answers.length).toBe(1));
    expect(sw().checked).toBe(false);
    expect(sw().getAttribute("aria-readonly")).toBe("true");
    expect(sw().disabled).toBe(false); // focus stays on it
    fireEvent.click(sw()); // too soon: ignored, never a second PATCH racing the first
    fireEvent.click(screen.getByRole("switch", { name: "Available: Red Mug" })); // another product is free
    await waitFor(() => expect(calls.filter((c) => c.method === "PATCH").length).toBe(2));
    expect(calls.filter((c) => c.method === "PATCH" && c.url.pathname.endsWith("/p1")).length).toBe(1);
    expect(sw().checked).toBe(false);
    answers[0]();
    await waitFor(() => expect(sw().getAttribute("aria-readonly")).toBeNull());
    expect(sw().checked).toBe(false);
    fireEvent.click(sw());
    await waitFor(() => expect(answers.length).toBe(2));
    expect(calls.filter((c) => c.method === "PATCH" && c.url.pathname.endsWith("/p1")).map((c) => c.body)).toEqual([{ available: false }, { available: true }]);
    answers[1]();
    await screen.findByText("“Blue Mug” is available: it can be recommended again.");
    expect(sw().checked).toBe(true);
  });

  it("disables the switches and empties the count while the next page loads", async () => {
    let next!: () => void;
    const page = (offset: number, ...items: ReturnType<typeof item>[]) => ({ status: 200, body: { data: items, meta: { total: 60, limit: 50, offset } } });
    handler = (m, u) => {
      if (m !== "GET" || u.pathname !== "/api/v1/tenants/t1/catalog") return undefined;
      if (u.searchParams.get("offset") === "50") return new Promise<Answer>((ok) => (next = () => ok(page(50, item("p9", "Green Mug")))));
      return page(0, item("p1", "Blue Mug"));
    };
    renderPage();
    await screen.findByText("60 products in the catalog.");
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect((screen.getByRole("switch", { name: "Available: Blue Mug" }) as HTMLInputElement).disabled).toBe(true));
    const countLine = document.querySelector(".catalog-count")!;
    expect(countLine.textContent).toBe("");
    expect(countLine.getAttribute("aria-busy")).toBe("true");
    fireEvent.click(screen.getByRole("switch", { name: "Available: Blue Mug" }));
    next();
    await screen.findByRole("switch", { name: "Available: Green Mug" });
    expect((screen.getByRole("switch", { name: "Available: Green Mug" }) as HTMLInputElement).disabled).toBe(false);
    expect(countLine.textContent).toBe("60 products in the catalog.");
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  });

  it("shows a thumbnail only for https (the page's CSP refuses http images)", () => {
    expect(thumbnail("https://cdn.example/a.png")).toBe("https://cdn.example/a.png");
    expect(thumbnail("http://cdn.example/a.png")).toBeUndefined();
    expect(thumbnail("javascript:alert(1)")).toBeUndefined();
    expect(thumbnail("")).toBeUndefined();
  });

  it("links each product by an escaped id the router decodes; '.' and '..' have no page", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf(item("%2E", "Escaped"), item("a/b", "Slashed"), item(".", "Dot"), item("..", "Dots")) : undefined);
    renderPage();
    const escaped = await screen.findByRole("link", { name: "Escaped" });
    for (const [name, id] of [
      ["Escaped", "%2E"],
      ["Slashed", "a/b"],
    ]) {
      const href = screen.getByRole("link", { name }).getAttribute("href")!;
      const path = new URL(href, "http://localhost").pathname; // as the browser keeps it
      expect(match("/tenants/:id/catalog/items/:productId", path)).toEqual({ id: "t1", productId: id });
    }
    expect(escaped.getAttribute("href")).toBe("/tenants/t1/catalog/items/%252E");
    // Why "." has no link: the URL standard resolves ".", "%2E" and "%2e%2e" before any route sees them.
    expect(new URL("/tenants/t1/catalog/items/%2E", "http://localhost").pathname).toBe("/tenants/t1/catalog/items/");
    expect(new URL("/tenants/t1/catalog/items/%2E%2E", "http://localhost").pathname).toBe("/tenants/t1/catalog/");
    expect(screen.queryByRole("link", { name: "Dot" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Dots" })).toBeNull();
    expect(screen.getByText("Dot").tagName).toBe("SPAN");
    // And its switch says why it cannot be changed here, rather than patching another URL.
    fireEvent.click(screen.getByRole("switch", { name: "Available: Dots" }));
    expect((await screen.findByText(/“Dots” could not be made unavailable/)).textContent).toMatch(/cannot be reached by its URL/);
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  });

  it("limits the search and category to the API's 200 characters", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf(item("p1", "Blue Mug")) : undefined);
    renderPage();
    await screen.findByRole("link", { name: "Blue Mug" });
    expect(screen.getByLabelText("Search by name").getAttribute("maxlength")).toBe("200");
    expect(screen.getByLabelText("Category").getAttribute("maxlength")).toBe("200");
  });

  it("keeps the page when the URL's search has spaces around it", async () => {
    history.replaceState(null, "", "/tenants/t1/catalog?search=mug%20&page=3");
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? { status: 200, body: { data: [item("p1", "Blue Mug")], meta: { total: 101, limit: 50, offset: 100 } } } : undefined);
    renderPage();
    await screen.findByRole("link", { name: "Blue Mug" });
    await new Promise((r) => setTimeout(r, 400)); // past the debounce
    expect(location.search).toBe("?search=mug%20&page=3");
    expect(calls.find((c) => c.url.pathname.endsWith("/catalog"))?.url.search).toBe("?limit=50&offset=100&search=mug");
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

  it("says why a file cannot be read, in an alert, and puts focus back on the file", async () => {
    handler = (m, u) => (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog" ? listOf() : undefined);
    renderPage();
    await screen.findByText("Your catalog is empty.");
    const input = screen.getByLabelText("Product file (JSON or CSV)") as HTMLInputElement;
    Object.defineProperty(input, "files", { value: [new File(['[{"productId": "p1",'], "products.json", { type: "application/json" })] });
    fireEvent.change(input);
    const upload = screen.getByRole("button", { name: "Upload" });
    upload.focus();
    fireEvent.click(upload);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^The file is not valid JSON/);
    expect(input.getAttribute("aria-describedby")).toBe(alert.id);
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect(input.disabled).toBe(false);
    expect(calls.some((c) => c.url.pathname.endsWith("/batch"))).toBe(false);
  });

  it("moves focus to Stop while sending, back to Upload at the end, and stops when the page goes", async () => {
    const answers: (() => void)[] = [];
    handler = (m, u, body) => {
      if (m === "GET" && u.pathname === "/api/v1/tenants/t1/catalog") return listOf();
      if (m === "POST" && u.pathname === "/api/v1/tenants/t1/catalog/batch") {
        const n = (body as { items: unknown[] }).items.length;
        return new Promise<Answer>((ok) => answers.push(() => ok({ status: 200, body: { data: { created: n, updated: 0, rejected: 0 }, errors: [] } })));
      }
    };
    const page = renderPage();
    await screen.findByText("Your catalog is empty.");
    const lines = ["productId,name", ...Array.from({ length: 1200 }, (_, i) => `p${i},P ${i}`)];
    const input = screen.getByLabelText("Product file (JSON or CSV)");
    Object.defineProperty(input, "files", { value: [new File([lines.join("\n")], "products.csv")], configurable: true });
    fireEvent.change(input);
    screen.getByRole("button", { name: "Upload" }).focus();
    fireEvent.click(screen.getByRole("button", { name: "Upload" }));
    const stop = await screen.findByRole("button", { name: "Stop after this batch" });
    await waitFor(() => expect(document.activeElement).toBe(stop));
    await waitFor(() => expect(answers.length).toBe(1));
    answers[0]();
    await waitFor(() => expect(answers.length).toBe(2));
    answers[1]();
    await waitFor(() => expect(answers.length).toBe(3));
    answers[2]();
    await screen.findByText("Upload finished: 1,200 created, 0 updated, 0 rejected.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Upload" })));

    // Again, and leave the page during the first batch: nothing more is sent.
    Object.defineProperty(input, "files", { value: [new File([lines.join("\n")], "products.csv")], configurable: true });
    fireEvent.click(screen.getByRole("button", { name: "Upload" }));
    await waitFor(() => expect(answers.length).toBe(4));
    page.unmount();
    answers[3]();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.url.pathname.endsWith("/batch")).length).toBe(4);
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
