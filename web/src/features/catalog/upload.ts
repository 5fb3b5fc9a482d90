// Catalog upload: a JSON or CSV file read in the browser into items, sent in batches of at
// most 500 to POST …/catalog/batch one after another, and the server's answers summed up,
// each rejected item named by its place in the file (a CSV row as a spreadsheet numbers it,
// the header being row 1; a JSON item from 1).

import { ApiError } from "../../api/client";
import { count } from "../../app/format";
import { maxBatch, type BatchResult } from "./api";
import { CSVError, parseCSV } from "./csv";

/** The largest file read: beyond it a browser tab would hold several copies in memory. */
export const maxFileBytes = 20 * 1024 * 1024;

/**
 * The most products one file may hold: 200 requests of 500. A 20 MB file of `[{},{},…]`
 * holds about 7 million, whose 14,000 requests would keep the tab busy for hours.
 */
export const maxProducts = 100_000;

/** The rejected products a summary lists; the others are only counted (unlisted). */
export const maxListed = 200;

const tooMany = (n: number) =>
  `The file holds ${count(n)} products: at most ${count(maxProducts)} can be uploaded here (${maxProducts / maxBatch} requests of ${maxBatch}). Split it, or send it from your servers in batches.`;

/** An item to send, and where it came from in the file. */
export interface Row {
  item: unknown;
  /** "Row 12" (CSV) or "Item 3" (JSON). */
  where: string;
}

export type Parsed = { ok: true; rows: Row[] } | { ok: false; error: string };

// The API's field names (CatalogItemInput); a CSV header names them, in any case.
const itemFields = ["productId", "name", "category", "price", "currency", "imageUrl", "url", "description", "brand", "attributes", "available"] as const;
const byLower = new Map(itemFields.map((f) => [f.toLowerCase(), f]));

/** parseFile reads a file's text as a JSON array, {items: […]} or CSV, by its name, else its content. */
export function parseFile(name: string, text: string): Parsed {
  const json = /\.json$/i.test(name) || (!/\.csv$/i.test(name) && /^\ufeff?\s*[[{]/.test(text));
  return json ? parseJSON(text) : parseCSVItems(text);
}

export function parseJSON(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\ufeff/, ""));
  } catch (e) {
    return { ok: false, error: `The file is not valid JSON (${e instanceof Error ? e.message : "unreadable"}).` };
  }
  const items = Array.isArray(v) ? v : typeof v === "object" && v !== null && Array.isArray((v as { items?: unknown }).items) ? (v as { items: unknown[] }).items : null;
  if (!items) return { ok: false, error: 'A JSON file must hold an array of products, or an object {"items": [ … ]}.' };
  if (items.length === 0) return { ok: false, error: "The file holds no products." };
  if (items.length > maxProducts) return { ok: false, error: tooMany(items.length) };
  // Each item goes as it is: the server checks it and names what is wrong.
  return { ok: true, rows: items.map((item, i) => ({ item, where: `Item ${i + 1}` })) };
}

/**
 * parseCSVItems reads a CSV whose header row names the fields. Cells become the API's types
 * (price a number, available a boolean, attributes a JSON object); a column
 * "attributes.color" is the attribute color. An empty cell is left out (the server's default),
 * and a cell that cannot be converted is sent as written, for the server to reject by name.
 */
export function parseCSVItems(text: string): Parsed {
  let records: string[][];
  try {
    records = parseCSV(text);
  } catch (e) {
    return { ok: false, error: e instanceof CSVError ? `The file is not valid CSV. ${e.message}` : "The file is not valid CSV." };
  }
  const header = records[0];
  if (!header || header.every((h) => h.trim() === "")) return { ok: false, error: "The file is empty: its first row must name the fields (productId, name, …)." };
  type Column = { attribute: string } | { field: (typeof itemFields)[number] } | { unknown: string };
  const columns = header.map((h): Column => {
    const t = h.trim();
    const attr = /^attributes\.(.+)$/i.exec(t);
    if (attr) return { attribute: attr[1] };
    const f = byLower.get(t.toLowerCase());
    return f ? { field: f } : { unknown: t };
  });
  const unknown = columns.flatMap((c) => ("unknown" in c ? [c.unknown || "(empty)"] : []));
  if (unknown.length) return { ok: false, error: `Unknown column${unknown.length > 1 ? "s" : ""} in the header row: ${unknown.join(", ")}. Use the API's field names: ${itemFields.join(", ")}, or attributes.<name>.` };
  for (const f of ["productId", "name"]) if (!columns.some((c) => "field" in c && c.field === f)) return { ok: false, error: `The header row has no ${f} column; every product needs one.` };

  const rows: Row[] = [];
  for (let r = 1; r < records.length; r++) {
    const cells = records[r];
    if (cells.length === 1 && cells[0].trim() === "") continue; // a blank line
    if (rows.length === maxProducts) {
      // One too many: count the rest for the message, without building them.
      const more = records.slice(r).filter((c) => !(c.length === 1 && c[0].trim() === "")).length;
      return { ok: false, error: tooMany(maxProducts + more) };
    }
    const item: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const cell = cells[i] ?? "";
      if (cell === "") return;
      if ("attribute" in c) attributes[c.attribute] = looksNumeric(cell) ? Number(cell) : cell;
      else if ("field" in c) item[c.field] = convert(c.field, cell);
    });
    if (Object.keys(attributes).length) {
      const given = item.attributes;
      item.attributes = typeof given === "object" && given !== null ? { ...given, ...attributes } : given === undefined ? attributes : given;
    }
    rows.push({ item, where: `Row ${r + 1}` });
  }
  if (rows.length === 0) return { ok: false, error: "The file has a header row but no products." };
  return { ok: true, rows };
}

// A number written plainly ("12", "12.5", "-3"): "0012" or "1e3" stay text, as a SKU would.
const looksNumeric = (s: string) => /^-?(0|[1-9]\d*)(\.\d+)?$/.test(s);

function convert(field: string, cell: string): unknown {
  switch (field) {
    case "price": {
      const t = cell.trim();
      return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : cell;
    }
    case "available": {
      const t = cell.trim().toLowerCase();
      if (["true", "yes", "1"].includes(t)) return true;
      if (["false", "no", "0"].includes(t)) return false;
      return cell;
    }
    case "attributes":
      try {
        return JSON.parse(cell);
      } catch {
        return cell;
      }
    default:
      return cell;
  }
}

/** batches splits rows into consecutive groups of at most size. */
export function batches<T>(rows: T[], size = maxBatch): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** A rejected item: where it is in the file, and what the server said of each field. */
export interface Rejection {
  where: string;
  problems: { field: string; message: string }[];
}

export interface Summary {
  created: number;
  updated: number;
  rejected: number;
  /** The first maxListed rejected products, in the file's order of answers. */
  rejections: Rejection[];
  /** How many more rejected products there were, beyond those listed. */
  unlisted: number;
  /** Items sent and answered so far. */
  done: number;
  total: number;
  /** Set when the upload stopped before the end: what happened, and what was not sent. */
  stopped?: string;
}

/** Progress is what a progress bar needs: never the rejections, which would be copied each batch. */
export type Progress = Pick<Summary, "done" | "total">;

export type Send = (items: unknown[]) => Promise<BatchResult>;

// "items[3].price" or "items.3.price" → "price"; "items[3]" (the item as a whole) → "".
const fieldOf = (f: string) => f.replace(/^items(?:\[\d+\]|\.\d+)\.?/, "");

/**
 * upload sends rows in batches of at most 500, one after another, and sums the answers.
 * A batch the server finds too large (413: the body cap, long descriptions) is split in
 * two and sent again. A 400 naming items stored nothing: the items it names are rejected
 * and the others sent again (the handler answers so when every item is invalid; the
 * request validator, before it, when an item breaks the schema, e.g. a price that is not
 * a number). Any other failure stops the upload and says from where nothing was sent.
 * onProgress gets how far it is after each batch; an aborted signal stops before the next
 * one. Only the first maxListed rejections are kept (unlisted counts the others).
 */
export async function upload(rows: Row[], send: Send, onProgress?: (p: Progress) => void, size = maxBatch, signal?: AbortSignal): Promise<Summary> {
  const s: Summary = { created: 0, updated: 0, rejected: 0, rejections: [], unlisted: 0, done: 0, total: rows.length };
  const reject = (r: Rejection) => {
    if (s.rejections.length < maxListed) s.rejections.push(r);
    else s.unlisted++;
  };
  const report = () => onProgress?.({ done: s.done, total: s.total });
  const queue = batches(rows, size);
  while (queue.length > 0) {
    const batch = queue.shift()!;
    if (signal?.aborted) {
      s.stopped = `You stopped the upload at ${batch[0].where}. Products before it were saved; it and those after it were not sent.`;
      return s;
    }
    try {
      const res = await send(batch.map((r) => r.item));
      s.created += res.data.created;
      s.updated += res.data.updated;
      s.rejected += res.data.rejected;
      for (const e of res.errors ?? []) reject(rejection(batch[e.index]?.where ?? `Item at index ${e.index}`, e.errors ?? [], e.detail));
    } catch (err) {
      if (err instanceof ApiError && err.status === 413 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        queue.unshift(batch.slice(0, half), batch.slice(half));
        continue;
      }
      const named = err instanceof ApiError && err.status === 400 ? namedItems(err, batch.length) : null;
      if (named) {
        const at = [...named.keys()].sort((a, b) => a - b);
        for (const i of at) reject(rejection(batch[i].where, named.get(i)!, (err as ApiError).message));
        s.rejected += at.length;
        s.done += at.length;
        const rest = batch.filter((_, i) => !named.has(i));
        if (rest.length) queue.unshift(rest);
        report();
        continue;
      }
      const why = err instanceof ApiError && err.status === 413 ? `${batch[0].where} is larger than the server accepts in one request.` : err instanceof Error ? err.message : "The request failed.";
      s.stopped = `The upload stopped at ${batch[0].where}: ${why} Products before it were saved; it and those after it were not sent.`;
      report();
      return s;
    }
    s.done += batch.length;
    report();
  }
  return s;
}

function rejection(where: string, fields: { field: string; message: string }[], detail?: string): Rejection {
  const problems = fields.map((f) => ({ field: fieldOf(f.field), message: f.message }));
  return { where, problems: problems.length ? problems : [{ field: "", message: detail || "Rejected." }] };
}

// An item's field as the handler names it ("items[3].price") or the request validator
// ("items.3.price").
const itemField = /^items(?:\[(\d+)\]|\.(\d+))(?:\.|$)/;

/**
 * namedItems reads a 400 whose every field names an item of the batch: the fields of each
 * item named, by its index. Null when it is about something else (the batch as a whole),
 * so that nothing is sent again in a loop.
 */
function namedItems(err: ApiError, size: number): Map<number, { field: string; message: string }[]> | null {
  const fields = err.problem.errors ?? [];
  const by = new Map<number, { field: string; message: string }[]>();
  for (const f of fields) {
    const m = itemField.exec(f.field);
    const i = m ? Number(m[1] ?? m[2]) : -1;
    if (i < 0 || i >= size) return null;
    by.set(i, [...(by.get(i) ?? []), f]);
  }
  return by.size ? by : null;
}
