// Zod schemas of the API's responses (NFR-010): every answer is parsed before the UI sees
// it, so a contract drift fails loudly at the edge rather than as an undefined deep inside.
// zod/mini keeps the main chunk small; unknown fields are dropped, never rejected.

import * as z from "zod/mini";

export const pageMeta = z.object({ total: z.number(), limit: z.number(), offset: z.number() });

export const user = z.object({ id: z.string(), email: z.string(), role: z.string() });
export type User = z.infer<typeof user>;

export const session = z.object({ token: z.string(), user });
export type Session = z.infer<typeof session>;

export const tenant = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["active", "suspended", "deleted"]),
  config: z.object({
    allowedOrigins: z.optional(z.array(z.string())),
    currency: z.optional(z.string()),
    coldStartMinEvents: z.optional(z.number()),
    defaultStrategy: z.optional(z.string()),
  }),
  createdAt: z.string(),
});
export type Tenant = z.infer<typeof tenant>;

export const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.enum(["read", "read_write"]),
  type: z.enum(["secret", "publishable"]),
  createdAt: z.string(),
  lastUsedAt: z.nullish(z.string()),
});
export type APIKey = z.infer<typeof apiKey>;
export const apiKeyCreated = z.extend(apiKey, { key: z.string() });
export type APIKeyCreated = z.infer<typeof apiKeyCreated>;

export const strategies = ["collaborative", "content_based", "trending", "frequently_bought_together"] as const;

export const widget = z.object({
  placement: z.string(),
  layout: z.enum(["grid", "carousel"]),
  columns: z.number(),
  showPrice: z.boolean(),
  ctaText: z.string(),
  itemCount: z.number(),
  strategy: z.optional(z.string()),
  title: z.optional(z.string()),
  theme: z.object({
    primaryColor: z.string(),
    textColor: z.string(),
    backgroundColor: z.string(),
    borderRadius: z.number(),
  }),
  updatedAt: z.optional(z.string()),
});
export type Widget = z.infer<typeof widget>;

export const event = z.object({
  eventType: z.string(),
  userId: z.string(),
  productId: z.optional(z.string()),
  timestamp: z.optional(z.string()),
  receivedAt: z.optional(z.string()),
});
export type Event = z.infer<typeof event>;

export const recommendation = z.object({
  productId: z.string(),
  name: z.string(),
  imageUrl: z.optional(z.string()),
  url: z.optional(z.string()),
  price: z.optional(z.number()),
  currency: z.optional(z.string()),
  reason: z.optional(z.string()),
});
export type Recommendation = z.infer<typeof recommendation>;

/** The dashboard's recommendation preview: scored items, each with its reason, and how they were made. */
export const previewItem = z.extend(recommendation, { category: z.optional(z.string()), score: z.number(), reason: z.string() });
export type PreviewItem = z.infer<typeof previewItem>;
export const previewList = z.object({
  data: z.array(previewItem),
  meta: z.object({
    strategy: z.string(),
    isFallback: z.boolean(),
    cached: z.boolean(),
    recommendationId: z.string(),
    placement: z.string(),
    experimentId: z.optional(z.string()),
    variant: z.optional(z.string()),
  }),
});
export type PreviewList = z.infer<typeof previewList>;

const kpiShape = {
  impressions: z.number(),
  clicks: z.number(),
  ctr: z.number(),
  conversions: z.number(),
  conversionRate: z.number(),
  revenue: z.number(),
};
export const kpis = z.object(kpiShape);
export type KPIs = z.infer<typeof kpis>;
export type KPI = keyof KPIs;
const rel = z.nullish(z.number());
export const overview = z.object({
  from: z.string(),
  to: z.string(),
  previousFrom: z.string(),
  previousTo: z.string(),
  current: kpis,
  previous: kpis,
  change: z.object({
    ...kpiShape,
    relative: z.object({ impressions: rel, clicks: rel, ctr: rel, conversions: rel, conversionRate: rel, revenue: rel }),
  }),
});
export type Overview = z.infer<typeof overview>;
export const dailyPoint = z.object({ date: z.string(), ...kpiShape });
export type DailyPoint = z.infer<typeof dailyPoint>;
export const topProduct = z.object({ productId: z.string(), name: z.string(), category: z.optional(z.string()), ...kpiShape });
export type TopProduct = z.infer<typeof topProduct>;

export const problem = z.object({
  title: z.optional(z.string()),
  status: z.optional(z.number()),
  detail: z.optional(z.string()),
  code: z.optional(z.string()),
  requestId: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});
export type Problem = z.infer<typeof problem>;

/** envelope is {data, meta?}: the shape of every success body (DESIGN §2). */
export function envelope<T extends z.ZodMiniType>(data: T) {
  return z.object({ data, meta: z.optional(z.object({ total: z.optional(z.number()) })) });
}
export function page<T extends z.ZodMiniType>(item: T) {
  return z.object({ data: z.array(item), meta: pageMeta });
}
