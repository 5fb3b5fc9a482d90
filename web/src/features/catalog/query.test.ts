import { describe, expect, it } from "vitest";
import { emptyList, filtered, listSearch, parseList, toQuery } from "./query";

describe("the catalog list's URL state", () => {
  it("round-trips through the query string, defaults left out", () => {
    const s = { search: "blue mug", category: "Kitchen & Home", available: "unavailable" as const, page: 3 };
    expect(listSearch(s)).toBe("?search=blue+mug&category=Kitchen+%26+Home&available=unavailable&page=3");
    expect(parseList(listSearch(s))).toEqual(s);
    expect(listSearch(emptyList)).toBe("");
    expect(listSearch({ ...emptyList, search: "  ", page: 1 })).toBe("");
  });

  it("trims the search and category, so that a URL with spaces keeps its page", () => {
    expect(parseList("?search=mug%20&category=%20Kitchen%20&page=3")).toEqual({ search: "mug", category: "Kitchen", available: "all", page: 3 });
    expect(parseList("?search=%20%20")).toEqual(emptyList);
  });

  it("falls back to the defaults for anything invalid", () => {
    expect(parseList("?available=maybe&page=0")).toEqual(emptyList);
    expect(parseList("?page=2.5")).toEqual(emptyList);
    expect(parseList("?page=-1")).toEqual(emptyList);
    expect(parseList("?page=999999999")).toEqual(emptyList);
  });

  it("becomes the API's query: offset from the page, availability as a boolean", () => {
    expect(toQuery(parseList("?search=%20mug%20&available=available&page=2"))).toEqual({ search: "mug", category: undefined, available: true, offset: 50 });
    expect(toQuery(parseList("?available=unavailable")).available).toBe(false);
    expect(toQuery(emptyList)).toEqual({ search: undefined, category: undefined, available: undefined, offset: 0 });
  });

  it("knows when a filter narrows the list", () => {
    expect(filtered(emptyList)).toBe(false);
    expect(filtered({ ...emptyList, page: 4 })).toBe(false);
    expect(filtered({ ...emptyList, category: "Kitchen" })).toBe(true);
    expect(filtered({ ...emptyList, available: "available" })).toBe(true);
  });
});
