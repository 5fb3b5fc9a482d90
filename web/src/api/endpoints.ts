// The API calls the dashboard makes, one typed function each (paths as in api/openapi.yaml).

import * as z from "zod/mini";
import { download, request } from "./client";
import { apiKey, apiKeyCreated, dailyPoint, envelope, event, overview, page, previewList, recommendation, tenant, topProduct, widget, type Widget } from "./schemas";

const t = (id: string) => `/tenants/${encodeURIComponent(id)}`;

export const listPageSize = 100; // the API's largest page
export const listTenants = (offset = 0) => request("GET", "/tenants", page(tenant), { query: { limit: listPageSize, offset } });
export const getTenant = (id: string) => request("GET", t(id), envelope(tenant));
export const createTenant = (name: string, allowedOrigins: string[]) =>
  request("POST", "/tenants", envelope(tenant), { body: { name, config: { allowedOrigins } } });
export const updateAllowedOrigins = (id: string, allowedOrigins: string[]) =>
  request("PUT", t(id), envelope(tenant), { body: { config: { allowedOrigins } } });

export const listAPIKeys = (id: string, offset: number, limit: number) =>
  request("GET", t(id) + "/api-keys", page(apiKey), { query: { limit, offset } });
export const createAPIKey = (id: string, body: { name: string; permissions: "read" | "read_write"; type: "secret" | "publishable" }) =>
  request("POST", t(id) + "/api-keys", envelope(apiKeyCreated), { body });
export const revokeAPIKey = (id: string, keyId: string) => request("DELETE", `${t(id)}/api-keys/${encodeURIComponent(keyId)}`, null);

export const listEvents = (id: string, limit = 5) => request("GET", t(id) + "/events", page(event), { query: { limit } });

export const listWidgets = (id: string, offset = 0) =>
  request("GET", t(id) + "/widgets", page(widget), { query: { limit: listPageSize, offset } });
export const getWidget = (id: string, placement: string) => request("GET", `${t(id)}/widgets/${encodeURIComponent(placement)}`, envelope(widget));
export type WidgetInput = Omit<Widget, "placement" | "updatedAt">;
export const putWidget = (id: string, placement: string, body: WidgetInput) =>
  request("PUT", `${t(id)}/widgets/${encodeURIComponent(placement)}`, envelope(widget), { body });

export const previewRecommendations = (id: string, q: { userId: string; limit: number; placement: string; strategy?: string }) =>
  request("GET", t(id) + "/recommendations/preview", z.object({ data: z.array(recommendation) }), { query: q });

/** The preview page's query: a user, and optionally a strategy, a seed product and a placement. */
export interface PreviewQuery {
  userId: string;
  limit: number;
  strategy?: string;
  productId?: string;
  placement?: string;
}
export const recommendationPreview = (id: string, q: PreviewQuery) =>
  request("GET", t(id) + "/recommendations/preview", previewList, {
    query: { userId: q.userId, limit: q.limit, strategy: q.strategy, productId: q.productId, placement: q.placement },
  });

/** The analytics query (DESIGN §6): UTC days from–to, optionally one placement and strategy. */
export interface AnalyticsQuery {
  from: string;
  to: string;
  placement?: string;
  strategy?: string;
}
const aq = (q: AnalyticsQuery) => ({ from: q.from, to: q.to, placement: q.placement, strategy: q.strategy });
export const analyticsOverview = (id: string, q: AnalyticsQuery) => request("GET", t(id) + "/analytics/overview", envelope(overview), { query: aq(q) });
export const analyticsTimeSeries = (id: string, q: AnalyticsQuery) =>
  request("GET", t(id) + "/analytics/timeseries", z.object({ data: z.array(dailyPoint) }), { query: aq(q) });
export const analyticsTopProducts = (id: string, q: AnalyticsQuery, limit = 10) =>
  request("GET", t(id) + "/analytics/top-products", z.object({ data: z.array(topProduct) }), { query: { ...aq(q), by: "revenue", limit } });
export const analyticsExport = (id: string, q: AnalyticsQuery) => download(t(id) + "/analytics/export.csv", aq(q), "text/csv");
