import { describe, expect, it } from "vitest";
import { money, safeHref } from "./format";

describe("safeHref", () => {
  it("links only http(s) URLs", () => {
    expect(safeHref("https://shop.example/p/1")).toBe("https://shop.example/p/1");
    expect(safeHref("http://shop.example/")).toBe("http://shop.example/");
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("/relative")).toBeUndefined();
    expect(safeHref(undefined)).toBeUndefined();
  });
});

describe("money", () => {
  it("writes an unknown currency code after the number", () => {
    expect(money(12.5, "USD")).toMatch(/12\.50/);
    expect(money(12.5, "QQQ1")).toMatch(/12\.50 QQQ1$/);
  });
});
