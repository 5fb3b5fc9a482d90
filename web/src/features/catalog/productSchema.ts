// The product form's rules, mirroring the server's (CatalogItem.Validate in
// internal/recom/catalog.go): the form says what is wrong before a round trip, and the
// server still has the final say. Field names are the server's, so its errors land on the
// same fields.

import * as z from "zod/mini";
import type { CatalogItem, ProductFields, ProductInput } from "./api";

// The server's limits (internal/recom/catalog.go).
export const limits = { productId: 128, name: 500, category: 200, brand: 200, description: 5000, url: 2048, attributes: 50, attributeKey: 64, attributeString: 500, price: 1e9 };

// Lengths are counted as the server counts them: runes (code points) for text, bytes for ids
// and URLs.
const runes = (s: string) => [...s].length;
const bytes = (s: string) => new TextEncoder().encode(s).length;
// C0 controls and DEL are refused everywhere (tab, CR and newline allowed in the
// description); a lone surrogate reaches the server as U+FFFD, which is not valid text there.
// eslint-disable-next-line no-control-regex
const control = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const controlMultiline = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const clean = (s: string) => !control.test(s) && !loneSurrogate.test(s);

/** isWebURL reports whether s is an absolute http(s) URL with a host (validWebURL on the server). */
export function isWebURL(s: string): boolean {
  if (bytes(s) > limits.url) return false;
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.host !== "";
  } catch {
    return false;
  }
}

const msg = {
  productId: `Must be 1 to ${limits.productId} printable characters.`,
  name: `Must be 1 to ${limits.name} characters, without control characters.`,
  category: `Must be at most ${limits.category} characters, without control characters.`,
  brand: `Must be at most ${limits.brand} characters, without control characters.`,
  description: `Must be at most ${limits.description} characters, without control characters other than tab and newline.`,
  price: "Must be a number from 0 to 1000000000.",
  currency: "Must be an ISO 4217 code in capitals, such as USD; leave it empty for the tenant's currency.",
  url: `Must be an http(s) URL of at most ${limits.url} characters.`,
};

const text = (max: number, message: string) => z.string().check(z.refine((s) => runes(s) <= max && clean(s), message));
const webURL = z.string().check(z.refine((s) => s === "" || isWebURL(s), msg.url));

/** attributeProblem says what is wrong with parsed attributes, or "" when they are fine. */
export function attributeProblem(v: unknown): string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return 'Must be a JSON object, such as {"color": "blue", "capacityMl": 350}.';
  const entries = Object.entries(v);
  if (entries.length > limits.attributes) return `Must have at most ${limits.attributes} entries.`;
  for (const [k, val] of entries) {
    if (k === "" || runes(k) > limits.attributeKey || !clean(k)) return `Keys must be 1 to ${limits.attributeKey} characters, without control characters.`;
    if (typeof val === "string") {
      if (runes(val) > limits.attributeString || !clean(val)) return `“${k}” must be at most ${limits.attributeString} characters, without control characters.`;
    } else if (typeof val !== "number" || !Number.isFinite(val)) return `“${k}” must be a string or a number.`;
  }
  return "";
}

const fields = {
  name: z.string().check(z.refine((s) => runes(s) >= 1 && runes(s) <= limits.name && clean(s), msg.name)),
  category: z.optional(text(limits.category, msg.category)),
  brand: z.optional(text(limits.brand, msg.brand)),
  description: z.optional(z.string().check(z.refine((s) => runes(s) <= limits.description && !controlMultiline.test(s) && !loneSurrogate.test(s), msg.description))),
  price: z.optional(z.number(msg.price).check(z.refine((n) => Number.isFinite(n) && n >= 0 && n <= limits.price, msg.price))),
  currency: z.optional(z.string().check(z.regex(/^(?:[A-Z]{3})?$/, msg.currency))),
  imageUrl: z.optional(webURL),
  url: z.optional(webURL),
  attributes: z.optional(z.unknown().check(z.refine((v) => attributeProblem(v) === "", { error: (iss) => attributeProblem(iss.input) }))),
  available: z.boolean(),
};
export const productFields = z.object(fields);
export const productInput = z.object({
  productId: z.string().check(z.refine((s) => s !== "" && bytes(s) <= limits.productId && clean(s) && !s.includes("\ufffd"), msg.productId)),
  ...fields,
});

/** FormValues is what the form holds: the price and attributes as typed, so a bad one can be shown. */
export interface FormValues {
  productId: string;
  name: string;
  category: string;
  price: string;
  currency: string;
  imageUrl: string;
  url: string;
  description: string;
  brand: string;
  attributes: string;
  available: boolean;
}

export const emptyProduct: FormValues = {
  productId: "",
  name: "",
  category: "",
  price: "",
  currency: "",
  imageUrl: "",
  url: "",
  description: "",
  brand: "",
  attributes: "",
  available: true,
};

export function toForm(it: CatalogItem): FormValues {
  const attrs = it.attributes ?? {};
  return {
    productId: it.productId,
    name: it.name,
    category: it.category,
    price: String(it.price),
    currency: it.currency,
    imageUrl: it.imageUrl,
    url: it.url,
    description: it.description,
    brand: it.brand,
    attributes: Object.keys(attrs).length ? JSON.stringify(attrs, null, 2) : "",
    available: it.available,
  };
}

const unparsable = Symbol("unparsable");

/**
 * fromForm builds the request body from the form (not yet validated). A new product leaves
 * empty fields out (the server's defaults: price 0, the tenant's currency); a replaced one
 * (full) names every field, so what the form shows is what is stored.
 */
function fromForm(v: FormValues, full: boolean): Record<string, unknown> {
  const price = v.price.trim();
  let attributes: unknown = undefined;
  if (v.attributes.trim()) {
    try {
      attributes = JSON.parse(v.attributes);
    } catch {
      attributes = unparsable;
    }
  }
  const body: Record<string, unknown> = {
    name: v.name.trim(),
    category: v.category.trim() || undefined,
    // A number as JavaScript reads it ("12.5", "1e3"); "" is no price (0 on the server).
    price: price === "" ? undefined : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(price) ? Number(price) : NaN,
    currency: v.currency.trim() || undefined,
    imageUrl: v.imageUrl.trim() || undefined,
    url: v.url.trim() || undefined,
    description: v.description || undefined,
    brand: v.brand.trim() || undefined,
    attributes,
    available: v.available,
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  if (full) return { category: "", price: 0, imageUrl: "", url: "", description: "", brand: "", attributes: {}, ...body };
  return body;
}

type Result<T> = { ok: true; body: T } | { ok: false; errors: Record<string, string> };

function check<T>(schema: z.ZodMiniType, body: Record<string, unknown>): Result<T> {
  if (body.attributes === unparsable) {
    const rest = { ...body };
    delete rest.attributes;
    const got = check<T>(schema, rest);
    const errors = got.ok ? {} : got.errors;
    return { ok: false, errors: { ...errors, attributes: 'Must be valid JSON: an object such as {"color": "blue"}.' } };
  }
  const got = schema.safeParse(body);
  if (got.success) return { ok: true, body: got.data as T };
  const errors: Record<string, string> = {};
  for (const issue of got.error.issues) errors[issue.path.join(".")] ??= issue.message;
  return { ok: false, errors };
}

/**
 * validate returns the body when the form is valid, else each bad field's message. A new
 * product (create) carries its productId; an edit sends every other field, since PUT
 * replaces the whole product.
 */
export function validate(v: FormValues, create: true): Result<ProductInput>;
export function validate(v: FormValues, create: false): Result<ProductFields>;
export function validate(v: FormValues, create: boolean): Result<ProductInput | ProductFields> {
  const body = fromForm(v, !create);
  if (create) return check<ProductInput>(productInput, { productId: v.productId.trim(), ...body });
  return check<ProductFields>(productFields, body);
}
