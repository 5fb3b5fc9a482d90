import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { BatchResult } from "./api";
import { summaryText } from "./UploadSection";
import { batches, maxListed, maxProducts, parseCSVItems, parseFile, parseJSON, upload, type Parsed, type Progress, type Row } from "./upload";

const ok = (p: Parsed): Row[] => {
  if (!p.ok) throw new Error("parse failed: " + p.error);
  return p.rows;
};

describe("parseCSVItems", () => {
  it("converts cells to the API's types and numbers rows as a spreadsheet does", () => {
    const csv = [
      "\ufeffProductId,name,price,available,attributes,attributes.color,attributes.capacityMl,attributes.sku,currency",
      'p1,"Mug, blue",12.5,false,"{""material"": ""stoneware""}",blue,350,0012,EUR',
      'p2,"Two-line\r\nname",,yes,,,,,',
      "",
      "p3,Third,abc,maybe,{not json},,,,",
    ].join("\r\n");
    const rows = ok(parseCSVItems(csv));
    // Records, as a spreadsheet numbers them: p2's two lines are one row, the blank line is row 4.
    expect(rows.map((r) => r.where)).toEqual(["Row 2", "Row 3", "Row 5"]);
    expect(rows[0].item).toEqual({
      productId: "p1",
      name: "Mug, blue",
      price: 12.5,
      available: false,
      attributes: { material: "stoneware", color: "blue", capacityMl: 350, sku: "0012" },
      currency: "EUR",
    });
    // Empty cells are left out, for the server's defaults.
    expect(rows[1].item).toEqual({ productId: "p2", name: "Two-line\r\nname", available: true });
    // What cannot be converted goes as written: the server rejects it by field.
    expect(rows[2].item).toEqual({ productId: "p3", name: "Third", price: "abc", available: "maybe", attributes: "{not json}" });
  });

  it("refuses unknown columns, a header without productId or name, and no products", () => {
    expect(parseCSVItems("productId,name,colour\np1,Mug,blue\n")).toEqual({ ok: false, error: expect.stringMatching(/^Unknown column in the header row: colour\./) });
    expect(parseCSVItems("productId,title\np1,Mug\n")).toMatchObject({ ok: false, error: expect.stringMatching(/Unknown column.*title/) });
    expect(parseCSVItems("productId,category\np1,Kitchen\n")).toMatchObject({ ok: false, error: "The header row has no name column; every product needs one." });
    expect(parseCSVItems("productId,name\n\n")).toMatchObject({ ok: false, error: "The file has a header row but no products." });
    expect(parseCSVItems("")).toMatchObject({ ok: false, error: expect.stringMatching(/^The file is empty/) });
    expect(parseCSVItems('productId,name\np1,"unclosed\n')).toMatchObject({ ok: false, error: expect.stringMatching(/^The file is not valid CSV\. Line 2/) });
  });
});

describe("parseJSON and parseFile", () => {
  it("takes an array or {items: […]}, items numbered from 1", () => {
    expect(ok(parseJSON('[{"productId":"a","name":"A"},{"productId":"b"}]')).map((r) => r.where)).toEqual(["Item 1", "Item 2"]);
    expect(ok(parseJSON('\ufeff{"items":[{"productId":"a","name":"A"}]}'))[0].item).toEqual({ productId: "a", name: "A" });
    expect(parseJSON('{"products":[]}')).toMatchObject({ ok: false, error: expect.stringMatching(/array of products/) });
    expect(parseJSON("[]")).toMatchObject({ ok: false, error: "The file holds no products." });
    expect(parseJSON("[{")).toMatchObject({ ok: false, error: expect.stringMatching(/^The file is not valid JSON/) });
  });

  it("chooses the format by the file's name, else its content", () => {
    expect(ok(parseFile("shop.CSV", "productId,name\np1,Mug\n"))[0].where).toBe("Row 2");
    expect(ok(parseFile("shop.json", '[{"productId":"p1","name":"Mug"}]'))[0].where).toBe("Item 1");
    expect(ok(parseFile("export", ' [{"productId":"p1","name":"Mug"}]'))[0].where).toBe("Item 1");
    expect(ok(parseFile("export", "productId,name\np1,Mug\n"))[0].where).toBe("Row 2");
  });
});

describe("the limit of 100,000 products a file", () => {
  it("refuses a JSON or CSV file holding more, saying how many it holds", () => {
    const json = (n: number) => "[" + Array.from({ length: n }, () => "{}").join(",") + "]";
    expect(ok(parseJSON(json(maxProducts))).length).toBe(100_000);
    expect(parseJSON(json(maxProducts + 1))).toEqual({ ok: false, error: expect.stringMatching(/^The file holds 100,001 products: at most 100,000 can be uploaded here \(200 requests of 500\)\./) });
    const csv = (n: number) => "productId,name\n" + Array.from({ length: n }, (_, i) => `p${i},P`).join("\n") + "\n\n";
    expect(ok(parseCSVItems(csv(maxProducts))).length).toBe(100_000);
    expect(parseCSVItems(csv(maxProducts + 2))).toMatchObject({ ok: false, error: expect.stringMatching(/^The file holds 100,002 products/) });
  });
});

describe("batches", () => {
  it("splits into consecutive groups of at most 500", () => {
    const rows = Array.from({ length: 1203 }, (_, i) => i);
    const got = batches(rows);
    expect(got.map((b) => b.length)).toEqual([500, 500, 203]);
    expect(got.flat()).toEqual(rows);
    expect(batches(rows.slice(0, 500)).length).toBe(1);
    expect(batches([])).toEqual([]);
  });
});

const rowsOf = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ item: { productId: `p${i}`, name: `P ${i}` }, where: `Row ${i + 2}` }));
const answer = (created: number, updated: number, errors: BatchResult["errors"] = []): BatchResult => ({ data: { created, updated, rejected: errors?.length ?? 0 }, errors });

describe("upload", () => {
  it("sends batches of at most 500 one after another and sums the answers; rejections by row and field", async () => {
    const sizes: number[] = [];
    let inFlight = 0;
    const send = vi.fn(async (items: unknown[]) => {
      expect(inFlight).toBe(0); // one after another, never two at once
      inFlight++;
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      sizes.push(items.length);
      if (sizes.length === 2) return answer(98, 0, [{ index: 1, detail: "The item is invalid.", errors: [{ field: "items[1].price", message: "must be between 0 and 1000000000" }] }]);
      return answer(450, 50);
    });
    const progress: number[] = [];
    const s = await upload(rowsOf(600), send, (p) => progress.push(p.done));
    expect(sizes).toEqual([500, 100]);
    expect(progress).toEqual([500, 600]);
    expect(s).toMatchObject({ created: 548, updated: 50, rejected: 1, done: 600, total: 600 });
    expect(s.stopped).toBeUndefined();
    // Index 1 of the second batch is the 502nd item: spreadsheet row 503.
    expect(s.rejections).toEqual([{ where: "Row 503", problems: [{ field: "price", message: "must be between 0 and 1000000000" }] }]);
    expect(summaryText(s)).toBe("Upload finished: 548 created, 50 updated, 1 rejected.");
  });

  it("counts a batch whose every item is invalid (a 400 naming them all) as rejected, and goes on", async () => {
    const send = vi.fn(async (items: unknown[]) => {
      if (items.length === 2)
        throw new ApiError(400, {
          status: 400,
          detail: "3 fields are invalid.",
          errors: [
            { field: "items[0].name", message: "must be 1 to 500 characters" },
            { field: "items[1].productId", message: "must be 1 to 128 printable characters" },
            { field: "items[1].url", message: "must be an http(s) URL of at most 2048 characters" },
          ],
        });
      return answer(items.length, 0);
    });
    const s = await upload(rowsOf(4), send, undefined, 2);
    expect(send).toHaveBeenCalledTimes(2);
    expect(s).toMatchObject({ created: 0, rejected: 4, done: 4 });
    expect(s.rejections[1]).toEqual({
      where: "Row 3",
      problems: [
        { field: "productId", message: "must be 1 to 128 printable characters" },
        { field: "url", message: "must be an http(s) URL of at most 2048 characters" },
      ],
    });
  });

  it("a 400 naming some items (the request validator's items.N.field) stored nothing: rejects those, sends the rest again", async () => {
    const sent: string[][] = [];
    const send = vi.fn(async (items: unknown[]) => {
      const ids = (items as { productId: string }[]).map((it) => it.productId);
      sent.push(ids);
      const bad = ids.flatMap((id, i) => (id === "p1" || id === "p3" ? [i] : []));
      if (bad.length)
        throw new ApiError(400, { status: 400, detail: "Invalid.", errors: bad.map((i) => ({ field: `items.${i}.price`, message: "value must be a number" })) });
      return answer(items.length, 0);
    });
    const s = await upload(rowsOf(5), send);
    expect(sent).toEqual([["p0", "p1", "p2", "p3", "p4"], ["p0", "p2", "p4"]]);
    expect(s).toMatchObject({ created: 3, rejected: 2, done: 5, total: 5 });
    expect(s.rejections).toEqual([
      { where: "Row 3", problems: [{ field: "price", message: "value must be a number" }] },
      { where: "Row 5", problems: [{ field: "price", message: "value must be a number" }] },
    ]);
  });

  it("stops at a 400 about the batch as a whole, never sending it again", async () => {
    const send = vi.fn(async () => {
      throw new ApiError(400, { status: 400, detail: "The batch is invalid.", errors: [{ field: "items", message: "must hold 1 to 500 items" }] });
    });
    const s = await upload(rowsOf(3), send);
    expect(send).toHaveBeenCalledTimes(1);
    expect(s.stopped).toBe("The upload stopped at Row 2: The batch is invalid. Products before it were saved; it and those after it were not sent.");
  });

  it("splits a batch the server finds too large (413) and sends the halves", async () => {
    const sizes: number[] = [];
    const send = vi.fn(async (items: unknown[]) => {
      sizes.push(items.length);
      if (items.length > 150) throw new ApiError(413, { status: 413, detail: "The body is too large." });
      return answer(items.length, 0);
    });
    const s = await upload(rowsOf(500), send);
    expect(sizes).toEqual([500, 250, 125, 125, 250, 125, 125]);
    expect(s).toMatchObject({ created: 500, rejected: 0, done: 500 });
  });

  it("stops at a failure other than invalid items, saying from which row nothing was sent", async () => {
    const send = vi.fn(async (items: unknown[]) => {
      if (send.mock.calls.length === 2) throw new ApiError(503, { status: 503, detail: "The server is busy." });
      return answer(items.length, 0);
    });
    const s = await upload(rowsOf(1200), send);
    expect(send).toHaveBeenCalledTimes(2);
    expect(s).toMatchObject({ created: 500, done: 500, total: 1200 });
    expect(s.stopped).toBe("The upload stopped at Row 502: The server is busy. Products before it were saved; it and those after it were not sent.");
    expect(summaryText(s)).toBe("Upload stopped after 500 of 1,200 products: 500 created, 0 updated, 0 rejected.");
  });

  it("lists only the first 200 rejections and counts the rest; progress never carries them", async () => {
    // Every item rejected, as for a file of [{}, {}, …].
    const send = vi.fn(async (items: unknown[]) => answer(0, 0, items.map((_, index) => ({ index, detail: "Invalid.", errors: [{ field: `items[${index}].productId`, message: "is required" }] }))));
    const progress: Progress[] = [];
    const s = await upload(rowsOf(1500), send, (p) => progress.push(p));
    expect(s).toMatchObject({ rejected: 1500, done: 1500, unlisted: 1300 });
    expect(s.rejections.length).toBe(maxListed);
    expect(s.rejections[199].where).toBe("Row 201");
    expect(progress).toEqual([
      { done: 500, total: 1500 },
      { done: 1000, total: 1500 },
      { done: 1500, total: 1500 },
    ]);
  });

  it("stops before the next batch once aborted", async () => {
    const controller = new AbortController();
    const send = vi.fn(async (items: unknown[]) => {
      controller.abort();
      return answer(items.length, 0);
    });
    const s = await upload(rowsOf(1000), send, undefined, 500, controller.signal);
    expect(send).toHaveBeenCalledTimes(1);
    expect(s.stopped).toMatch(/^You stopped the upload at Row 502\./);
  });
});
