import { afterEach, describe, expect, it, vi } from "vitest";
import { downloadCSV } from "./csv";
import { parseView } from "./range";

afterEach(() => vi.unstubAllGlobals());

describe("downloadCSV", () => {
  it("fetches export.csv with the range and filters and saves it under a dated name", async () => {
    const fetch = vi.fn(async () => new Response("section,from\r\n", { status: 200, headers: { "Content-Type": "text/csv" } }));
    vi.stubGlobal("fetch", fetch);
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), "blob:x"));
    URL.revokeObjectURL = vi.fn();
    let clicked: HTMLAnchorElement | null = null;
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked = this;
    });
    const view = parseView("?from=2026-11-01&to=2026-11-07&placement=home page&strategy=trending", new Date("2026-11-26T00:00:00Z"));
    await downloadCSV("t 1", view);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    const u = new URL(url, "http://x");
    expect(u.pathname).toBe("/api/v1/tenants/t%201/analytics/export.csv");
    expect(Object.fromEntries(u.searchParams)).toEqual({ from: "2026-11-01", to: "2026-11-07", placement: "home page", strategy: "trending" });
    expect((init.headers as Record<string, string>).Accept).toBe("text/csv");
    expect(click).toHaveBeenCalledTimes(1);
    expect(clicked!.download).toBe("recomengine-analytics-2026-11-01-2026-11-07.csv");
    expect(clicked!.getAttribute("href")).toBe("blob:x");
    expect(await created[0].text()).toBe("section,from\r\n");
    expect(document.querySelector("a[download]")).toBeNull();
  });
});
