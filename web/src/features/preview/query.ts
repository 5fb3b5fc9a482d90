// The preview's form lives in the URL query (?userId=…&strategy=…&productId=…&placement=…&limit=…),
// so a reload or a shared link repeats the same preview. Validation mirrors the API's rules.

import type { PreviewQuery } from "../../api/endpoints";
import { strategies } from "../../api/schemas";

export const defaultLimit = 8;
export const maxLimit = 50;
export const maxIdLength = 128;

/** The form's values, as typed (limit stays text until it is checked). */
export interface PreviewForm {
  userId: string;
  /** "" is the tenant's default strategy. */
  strategy: string;
  productId: string;
  placement: string;
  limit: string;
}

export const emptyForm: PreviewForm = { userId: "", strategy: "", productId: "", placement: "", limit: String(defaultLimit) };

export type PreviewErrors = Partial<Record<keyof PreviewForm, string>>;

const bytes = (s: string) => new TextEncoder().encode(s).length;
// Printable: no control characters (C0, DEL, C1) and no bidi overrides or isolates.
// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const idError = (s: string, what: string) =>
  bytes(s) > maxIdLength || unprintable.test(s) ? `${what} must be 1 to ${maxIdLength} printable characters.` : "";

/** validatePreview checks the form; no errors means it can be sent. */
export function validatePreview(f: PreviewForm): PreviewErrors {
  const e: PreviewErrors = {};
  const userId = f.userId.trim();
  if (!userId) e.userId = "Enter a user id.";
  else if (idError(userId, "A user id")) e.userId = idError(userId, "A user id");
  if (f.strategy && !(strategies as readonly string[]).includes(f.strategy)) e.strategy = "Choose a strategy from the list.";
  const productId = f.productId.trim();
  if (productId && idError(productId, "A product id")) e.productId = idError(productId, "A product id");
  const placement = f.placement.trim();
  if (placement && idError(placement, "A placement")) e.placement = idError(placement, "A placement");
  const limit = f.limit.trim();
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > maxLimit) e.limit = `Must be a whole number from 1 to ${maxLimit}.`;
  return e;
}

/** parsePreview reads the form from a query string; anything missing takes its default. */
export function parsePreview(search: string): PreviewForm {
  const q = new URLSearchParams(search);
  const s = q.get("strategy") ?? "";
  return {
    userId: q.get("userId") ?? "",
    strategy: (strategies as readonly string[]).includes(s) ? s : "",
    productId: q.get("productId") ?? "",
    placement: q.get("placement") ?? "",
    limit: q.get("limit") ?? String(defaultLimit),
  };
}

/** previewSearch writes the form as a query string (trimmed; defaults and empty fields left out). */
export function previewSearch(f: PreviewForm): string {
  const q = new URLSearchParams();
  if (f.userId.trim()) q.set("userId", f.userId.trim());
  if (f.strategy) q.set("strategy", f.strategy);
  if (f.productId.trim()) q.set("productId", f.productId.trim());
  if (f.placement.trim()) q.set("placement", f.placement.trim());
  if (f.limit.trim() && f.limit.trim() !== String(defaultLimit)) q.set("limit", f.limit.trim());
  const s = q.toString();
  return s ? "?" + s : "";
}

/** toQuery is the API query for a valid form, or null when the form is not valid (nothing to ask yet). */
export function toQuery(f: PreviewForm): PreviewQuery | null {
  if (Object.keys(validatePreview(f)).length > 0) return null;
  return {
    userId: f.userId.trim(),
    limit: Number(f.limit.trim()),
    strategy: f.strategy || undefined,
    productId: f.productId.trim() || undefined,
    placement: f.placement.trim() || undefined,
  };
}
