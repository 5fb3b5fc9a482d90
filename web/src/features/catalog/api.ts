// The catalog calls of the dashboard (the admin's twins of /api/v1/catalog, under
// /tenants/{id}/catalog in api/openapi.yaml) and the Zod schemas of their answers.

import * as z from "zod/mini";
import { request } from "../../api/client";
import { envelope, page } from "../../api/schemas";

const base = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}/catalog`;

/**
 * dotSegment reports whether a product id is "." or "..". No URL can name it, since
 * browsers resolve those path segments (and "%2E", "%2E%2E" alike, as the URL standard
 * says) before a request or a route sees them. The server refuses such ids now, but a
 * catalog loaded before may still hold one.
 */
export const dotSegment = (productId: string) => productId === "." || productId === "..";

function one(tenantId: string, productId: string) {
  // "…/catalog/.." would reach another resource (the tenant's): refuse rather than send it.
  if (dotSegment(productId)) throw new Error(`A product whose id is “${productId}” cannot be reached by its URL: upload it again (POST …/catalog/batch) to change it.`);
  return `${base(tenantId)}/${encodeURIComponent(productId)}`;
}

/** Attribute values are strings or numbers (DESIGN §2). */
export const attributes = z.record(z.string(), z.union([z.string(), z.number()]));

export const catalogItem = z.object({
  productId: z.string(),
  name: z.string(),
  category: z.string(),
  price: z.number(),
  currency: z.string(),
  imageUrl: z.string(),
  url: z.string(),
  description: z.string(),
  brand: z.string(),
  attributes: z.optional(attributes),
  available: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CatalogItem = z.infer<typeof catalogItem>;

/** ProductFields is a product as sent (CatalogItemFields): PUT takes the productId from the path. */
export interface ProductFields {
  name: string;
  category?: string;
  price?: number;
  currency?: string;
  imageUrl?: string;
  url?: string;
  description?: string;
  brand?: string;
  attributes?: Record<string, string | number>;
  available: boolean;
}
export type ProductInput = ProductFields & { productId: string };

/** The list's filters (GET …/catalog): a name substring, an exact category, availability. */
export interface CatalogQuery {
  search?: string;
  category?: string;
  available?: boolean;
  offset: number;
}

export const catalogPageSize = 50;

export const listCatalog = (tenantId: string, q: CatalogQuery) =>
  request("GET", base(tenantId), page(catalogItem), {
    query: { limit: catalogPageSize, offset: q.offset, search: q.search, category: q.category, available: q.available === undefined ? undefined : String(q.available) },
  });
export const getProduct = (tenantId: string, productId: string) => request("GET", one(tenantId, productId), envelope(catalogItem));
export const createProduct = (tenantId: string, body: ProductInput) => request("POST", base(tenantId), envelope(catalogItem), { body });
// PUT replaces every field: the caller sends the whole form, never a part of it.
export const replaceProduct = (tenantId: string, productId: string, body: ProductFields) =>
  request("PUT", one(tenantId, productId), envelope(catalogItem), { body });
export const setAvailable = (tenantId: string, productId: string, available: boolean) =>
  request("PATCH", one(tenantId, productId), envelope(catalogItem), { body: { available } });
export const deleteProduct = (tenantId: string, productId: string) => request("DELETE", one(tenantId, productId), null);

const fieldError = z.object({ field: z.string(), message: z.string() });
export const batchResult = z.object({
  data: z.object({ created: z.number(), updated: z.number(), rejected: z.number() }),
  errors: z.optional(z.array(z.object({ index: z.number(), detail: z.optional(z.string()), errors: z.optional(z.array(fieldError)) }))),
});
export type BatchResult = z.infer<typeof batchResult>;

/** The server's largest batch (recom.MaxCatalogBatch). */
export const maxBatch = 500;

export const uploadBatch = (tenantId: string, items: unknown[]) => request("POST", base(tenantId) + "/batch", batchResult, { body: { items } });
