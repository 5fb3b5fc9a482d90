import { describe, expect, it } from "vitest";
import { customRangeError, parseView, toQuery, viewSearch } from "./range";

const now = new Date("2026-11-26T15:00:00Z");

describe("parseView", () => {
  it("defaults to the last 30 days, today included, with no filters", () => {
    expect(parseView("", now)).toEqual({ range: "30d", from: "2026-10-28", to: "2026-11-26", placement: "", strategy: "" });
  });
  it("reads the presets", () => {
    expect(parseView("?range=7d", now)).toMatchObject({ range: "7d", from: "2026-11-20", to: "2026-11-26" });
    expect(parseView("?range=90d", now)).toMatchObject({ range: "90d", from: "2026-08-29", to: "2026-11-26" });
  });
  it("reads a custom range and the filters", () => {
    expect(parseView("?from=2026-01-01&to=2026-01-31&placement=home&strategy=trending", now)).toEqual({
      range: "custom",
      from: "2026-01-01",
      to: "2026-01-31",
      placement: "home",
      strategy: "trending",
    });
  });
  it("falls back to the default for anything invalid", () => {
    for (const bad of ["?range=1y", "?from=2026-02-30&to=2026-03-01", "?from=2026-03-02&to=2026-03-01", "?from=2020-01-01&to=2026-01-01", "?from=x&to=y", "?from=2026-01-01"])
      expect(parseView(bad, now)).toMatchObject({ range: "30d", from: "2026-10-28", to: "2026-11-26" });
    expect(parseView("?strategy=nope", now).strategy).toBe("");
  });
  it("round-trips through viewSearch", () => {
    for (const s of ["", "?range=7d", "?range=90d&placement=product-page", "?from=2026-01-01&to=2026-01-31&strategy=unknown"]) {
      const v = parseView(s, now);
      expect(viewSearch(v)).toBe(s);
      expect(parseView(viewSearch(v), now)).toEqual(v);
    }
  });
  it("makes the API query, leaving out empty filters", () => {
    expect(toQuery(parseView("?range=7d", now))).toEqual({ from: "2026-11-20", to: "2026-11-26", placement: undefined, strategy: undefined });
  });
});

describe("customRangeError", () => {
  it("says what is wrong", () => {
    expect(customRangeError("2026-01-01", "2026-01-02")).toBe("");
    expect(customRangeError("", "2026-01-02")).toMatch(/both days/);
    expect(customRangeError("2026-01-03", "2026-01-02")).toMatch(/after/);
    expect(customRangeError("2024-01-01", "2026-01-02")).toMatch(/400 days/);
  });
});
