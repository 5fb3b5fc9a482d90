import { describe, expect, it } from "vitest";
import { emptyForm, parsePreview, previewSearch, toQuery, validatePreview, type PreviewForm } from "./query";

const form = (over: Partial<PreviewForm>): PreviewForm => ({ ...emptyForm, ...over });

describe("the preview's URL query", () => {
  it("round-trips every field", () => {
    const f = form({ userId: "user-123", strategy: "collaborative", productId: "p 1/ü", placement: "product-page", limit: "12" });
    const s = previewSearch(f);
    expect(s).toBe("?userId=user-123&strategy=collaborative&productId=p+1%2F%C3%BC&placement=product-page&limit=12");
    expect(parsePreview(s)).toEqual(f);
  });
  it("leaves defaults and empty fields out, and reads them back as defaults", () => {
    expect(previewSearch(form({ userId: " u1 " }))).toBe("?userId=u1");
    expect(previewSearch(emptyForm)).toBe("");
    expect(parsePreview("")).toEqual(emptyForm);
    expect(parsePreview("?userId=u1")).toEqual(form({ userId: "u1" }));
  });
  it("drops an unknown strategy (the tenant default answers)", () => {
    expect(parsePreview("?userId=u&strategy=magic").strategy).toBe("");
    expect(parsePreview("?userId=u&strategy=trending_fallback").strategy).toBe("");
  });
  it("gives the API query only for a valid form", () => {
    expect(toQuery(parsePreview("?userId=u1&limit=3&strategy=trending"))).toEqual({ userId: "u1", limit: 3, strategy: "trending", productId: undefined, placement: undefined });
    expect(toQuery(parsePreview("?userId=u1"))).toMatchObject({ userId: "u1", limit: 8 });
    expect(toQuery(parsePreview("?limit=3"))).toBeNull();
    expect(toQuery(parsePreview("?userId=u1&limit=99"))).toBeNull();
  });
});

describe("the preview form's validation", () => {
  it("accepts a valid form", () => {
    expect(validatePreview(form({ userId: "user-123" }))).toEqual({});
    expect(validatePreview(form({ userId: "x".repeat(128), limit: "50", strategy: "frequently_bought_together", productId: "p1", placement: "home" }))).toEqual({});
  });
  it.each([
    [{ userId: "" }, "userId", "Enter a user id."],
    [{ userId: "   " }, "userId", "Enter a user id."],
    [{ userId: "x".repeat(129) }, "userId", "A user id must be 1 to 128 printable characters."],
    [{ userId: "é".repeat(65) }, "userId", "A user id must be 1 to 128 printable characters."], // 130 bytes
    [{ userId: "a\u0007b" }, "userId", "A user id must be 1 to 128 printable characters."],
    [{ userId: "u", strategy: "magic" }, "strategy", "Choose a strategy from the list."],
    [{ userId: "u", productId: "p".repeat(129) }, "productId", "A product id must be 1 to 128 printable characters."],
    [{ userId: "u", placement: "a\u202eb" }, "placement", "A placement must be 1 to 128 printable characters."],
    [{ userId: "u", limit: "0" }, "limit", "Must be a whole number from 1 to 50."],
    [{ userId: "u", limit: "51" }, "limit", "Must be a whole number from 1 to 50."],
    [{ userId: "u", limit: "2.5" }, "limit", "Must be a whole number from 1 to 50."],
    [{ userId: "u", limit: "" }, "limit", "Must be a whole number from 1 to 50."],
  ] as const)("%o: %s is wrong", (over, field, message) => {
    expect(validatePreview(form(over))).toEqual({ [field]: message });
  });
});
