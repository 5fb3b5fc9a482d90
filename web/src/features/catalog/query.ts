// The catalog list's state lives in the URL query (?search=…&category=…&available=…&page=…),
// so a reload or a shared link shows the same products.

import { catalogPageSize, type CatalogQuery } from "./api";

export type Availability = "all" | "available" | "unavailable";

export interface ListState {
  search: string;
  category: string;
  available: Availability;
  /** 1-based. */
  page: number;
}

/** The API's longest search and category (the fields' maxLength). */
export const maxFilterLength = 200;

export const emptyList: ListState = { search: "", category: "", available: "all", page: 1 };

// The API's largest offset is 1,000,000: pages beyond it cannot be asked for.
const maxPage = Math.floor(1_000_000 / catalogPageSize) + 1;

/**
 * parseList reads the list's state from a query string; anything invalid takes its default.
 * Search and category are trimmed, as listSearch writes them: else the page's fields (which
 * compare trimmed) would take "mug " for a change and rewrite the URL back to page 1.
 */
export function parseList(search: string): ListState {
  const q = new URLSearchParams(search);
  const a = q.get("available");
  const p = Number(q.get("page"));
  return {
    search: (q.get("search") ?? "").trim(),
    category: (q.get("category") ?? "").trim(),
    available: a === "available" || a === "unavailable" ? a : "all",
    page: Number.isInteger(p) && p >= 1 && p <= maxPage ? p : 1,
  };
}

/** listSearch writes the state as a query string (trimmed; defaults left out). */
export function listSearch(s: ListState): string {
  const q = new URLSearchParams();
  if (s.search.trim()) q.set("search", s.search.trim());
  if (s.category.trim()) q.set("category", s.category.trim());
  if (s.available !== "all") q.set("available", s.available);
  if (s.page > 1) q.set("page", String(s.page));
  const out = q.toString();
  return out ? "?" + out : "";
}

/** toQuery is the API query of the state. */
export function toQuery(s: ListState): CatalogQuery {
  return {
    search: s.search.trim() || undefined,
    category: s.category.trim() || undefined,
    available: s.available === "all" ? undefined : s.available === "available",
    offset: (s.page - 1) * catalogPageSize,
  };
}

/** filtered reports whether any filter narrows the list (an empty answer then is not an empty catalog). */
export const filtered = (s: ListState) => s.search.trim() !== "" || s.category.trim() !== "" || s.available !== "all";
