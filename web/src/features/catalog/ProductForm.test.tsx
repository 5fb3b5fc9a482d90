import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { ProductForm } from "./ProductForm";
import { emptyProduct, validate, type FormValues } from "./productSchema";

afterEach(cleanup);

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = (name = "Create product") => fireEvent.click(screen.getByRole("button", { name }));
function describedBy(label: string): string {
  const ids = (screen.getByLabelText(label).getAttribute("aria-describedby") ?? "").split(" ");
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
}
const valid: FormValues = { ...emptyProduct, productId: "mug-blue", name: "Blue Mug" };

describe("product rules (mirroring CatalogItem.Validate)", () => {
  const cases: [field: keyof FormValues, bad: string, message: RegExp][] = [
    ["productId", "", /^Must be 1 to 128 printable characters/],
    ["productId", "   ", /^Must be 1 to 128 printable characters/],
    ["productId", "é".repeat(65), /^Must be 1 to 128/], // 130 bytes: ids count bytes
    ["productId", "a\tb", /^Must be 1 to 128/],
    ["name", "  ", /^Must be 1 to 500 characters/],
    ["name", "n".repeat(501), /^Must be 1 to 500/],
    ["name", "Mug\u0007", /without control characters/],
    ["category", "c".repeat(201), /^Must be at most 200/],
    ["brand", "b\u007f", /^Must be at most 200/],
    ["description", "d".repeat(5001), /^Must be at most 5000/],
    ["description", "bell\u0007", /other than tab and newline/],
    ["price", "-1", /^Must be a number from 0 to 1000000000/],
    ["price", "1000000001", /^Must be a number from 0/],
    ["price", "12,50", /^Must be a number from 0/],
    ["currency", "usd", /^Must be an ISO 4217 code/],
    ["currency", "EURO", /^Must be an ISO 4217 code/],
    ["imageUrl", "ftp://shop.example/a.png", /^Must be an http\(s\) URL/],
    ["url", "/p/mug", /^Must be an http\(s\) URL/],
    ["url", "https://shop.example/" + "x".repeat(2030), /^Must be an http\(s\) URL of at most 2048/],
    ["attributes", "[1, 2]", /^Must be a JSON object/],
    ["attributes", "{color: blue}", /^Must be valid JSON/],
    ["attributes", '{"inStock": true}', /“inStock” must be a string or a number/],
    ["attributes", '{"": "x"}', /^Keys must be 1 to 64/],
    ["attributes", JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => ["k" + i, i]))), /^Must have at most 50 entries/],
    ["attributes", JSON.stringify({ note: "n".repeat(501) }), /“note” must be at most 500/],
  ];
  it.each(cases)("%s = %j is refused", (field, bad, message) => {
    const got = validate({ ...valid, [field]: bad }, true);
    expect(got.ok).toBe(false);
    expect(!got.ok && got.errors[field]).toMatch(message);
    expect(Object.keys(!got.ok ? got.errors : {})).toEqual([field]);
  });

  it("accepts the limits themselves", () => {
    const got = validate(
      {
        ...valid,
        productId: "x".repeat(128),
        name: "😀".repeat(500), // runes, not UTF-16 units
        category: "c".repeat(200),
        price: "1000000000",
        currency: "EUR",
        url: "http://shop.example/p",
        description: "line 1\r\n\tline 2",
        attributes: '{"color": "blue", "capacityMl": 350}',
      },
      true,
    );
    expect(got.ok).toBe(true);
  });

  it("a new product leaves empty fields out; an edit names them all, since PUT replaces the product", () => {
    expect(validate({ ...valid, productId: " mug-blue ", name: " Blue Mug " }, true)).toEqual({ ok: true, body: { productId: "mug-blue", name: "Blue Mug", available: true } });
    expect(validate({ ...valid, price: "12.5", available: false }, false)).toEqual({
      ok: true,
      body: { name: "Blue Mug", category: "", price: 12.5, imageUrl: "", url: "", description: "", brand: "", attributes: {}, available: false },
    });
  });
});

describe("ProductForm", () => {
  it("shows each bad field's message on it, sends nothing, and focuses the first at fault", async () => {
    const onSave = vi.fn(async () => undefined);
    render(<ProductForm create initial={emptyProduct} onSave={onSave} />);
    type("Price", "cheap");
    save();
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toBe("3 fields need fixing.");
    expect(screen.getByLabelText("Product id").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("Name")).toContain("Must be 1 to 500 characters");
    expect(describedBy("Price")).toContain("Must be a number from 0 to 1000000000.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Product id")));
  });

  it("sends a valid form as the API's body", async () => {
    const onSave = vi.fn(async () => "Created.");
    render(<ProductForm create initial={emptyProduct} onSave={onSave} />);
    type("Product id", "mug-blue");
    type("Name", "Blue Mug");
    type("Category", "Kitchen");
    type("Price", "12.50");
    type("Currency", "EUR");
    type("Product page URL", "https://shop.example/p/mug-blue");
    type("Attributes (JSON)", '{"color": "blue", "capacityMl": 350}');
    fireEvent.click(screen.getByLabelText("Available"));
    save();
    expect(onSave).toHaveBeenCalledWith({
      productId: "mug-blue",
      name: "Blue Mug",
      category: "Kitchen",
      price: 12.5,
      currency: "EUR",
      url: "https://shop.example/p/mug-blue",
      attributes: { color: "blue", capacityMl: 350 },
      available: false,
    });
    expect(await screen.findByText("Created.")).toBeTruthy();
  });

  it("puts the server's field errors on their fields (an attribute's on the JSON) and focuses the first", async () => {
    const problem = {
      status: 400,
      detail: "2 fields are invalid.",
      errors: [
        { field: "url", message: "must be an http(s) URL of at most 2048 characters" },
        { field: "attributes.size", message: "must be a string or a number" },
      ],
    };
    render(<ProductForm create={false} initial={{ ...valid, productId: "" }} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    expect(screen.queryByLabelText("Product id")).toBeNull(); // fixed once created
    save("Save product");
    expect(await screen.findByText("2 fields are invalid.")).toBeTruthy();
    expect(describedBy("Product page URL")).toContain("must be an http(s) URL of at most 2048 characters");
    expect(describedBy("Attributes (JSON)")).toContain("size: must be a string or a number");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Product page URL")));
  });

  it("lists the server's fields in the problem when one is not on the form (productId when editing)", async () => {
    const problem = { status: 400, detail: "1 field is invalid.", errors: [{ field: "productId", message: "must be 1 to 128 printable characters" }] };
    render(<ProductForm create={false} initial={{ ...valid, productId: "" }} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    save("Save product");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("1 field is invalid.");
    expect(alert.textContent).toContain("productId: must be 1 to 128 printable characters");
  });

  it("keeps the problem short when each field it names is on the form", async () => {
    const problem = { status: 400, detail: "2 fields are invalid.", errors: [{ field: "name", message: "is required" }, { field: "attributes.size", message: "must be a string or a number" }] };
    render(<ProductForm create={false} initial={{ ...valid, productId: "" }} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    save("Save product");
    const alert = await screen.findByRole("alert");
    expect(alert.querySelector("ul")).toBeNull();
  });
});
