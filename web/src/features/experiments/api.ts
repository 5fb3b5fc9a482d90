// The experiments API (DESIGN §5, api/openapi.yaml "experiments"): one typed function per
// call, and the Zod schemas its answers are parsed with before the pages see them.

import * as z from "zod/mini";
import { request } from "../../api/client";
import { envelope, page, strategies } from "../../api/schemas";

export const experimentStatuses = ["draft", "running", "paused", "completed"] as const;
export type ExperimentStatus = (typeof experimentStatuses)[number];
export const metrics = ["conversion_rate", "ctr", "revenue_per_user"] as const;
export type MetricName = (typeof metrics)[number];
export const methods = ["sequential", "fixed"] as const;

export const experiment = z.object({
  id: z.string(),
  name: z.string(),
  placement: z.string(),
  status: z.enum(experimentStatuses),
  controlStrategy: z.string(),
  variantStrategy: z.string(),
  controlShare: z.number(),
  primaryMetric: z.string(),
  method: z.string(),
  targetMde: z.nullish(z.number()),
  createdAt: z.string(),
  updatedAt: z.optional(z.string()),
  startedAt: z.nullish(z.string()),
  endedAt: z.nullish(z.string()),
});
export type Experiment = z.infer<typeof experiment>;

const interval = z.object({ lower: z.number(), upper: z.number() });
export type Interval = z.infer<typeof interval>;

export const experimentMetric = z.object({
  controlMetric: z.number(),
  variantMetric: z.number(),
  lift: z.nullish(z.number()), // null when the control is 0
  absoluteLift: z.number(),
  absoluteConfidenceInterval: z.nullish(interval), // of the difference: leaves 0 out exactly when significant
  pValue: z.number(),
  confidenceInterval: z.nullish(interval), // of the relative lift; null when it cannot be computed
  isSignificant: z.boolean(),
});
export type ExperimentMetric = z.infer<typeof experimentMetric>;

export const resultStatuses = ["ok", "insufficient_data", "srm_warning", "degenerate"] as const;
export type ResultStatus = (typeof resultStatuses)[number];

export const experimentResults = z.extend(experimentMetric, {
  experimentId: z.string(),
  experimentStatus: z.enum(experimentStatuses),
  primaryMetric: z.string(),
  method: z.enum(methods),
  sampleSize: z.object({ control: z.number(), variant: z.number() }),
  srm: z.object({ chiSquare: z.number(), pValue: z.number(), flagged: z.boolean() }),
  mde: z.nullish(z.number()),
  targetMde: z.nullish(z.number()),
  daysToTargetMde: z.nullish(z.number()),
  status: z.enum(resultStatuses),
  nStar: z.optional(z.number()),
  looks: z.optional(z.number()),
  metrics: z.record(z.string(), experimentMetric),
  computedAt: z.optional(z.string()),
});
export type ExperimentResults = z.infer<typeof experimentResults>;

/** ExperimentInput is a create or update body: on update, only the fields given change. */
export interface ExperimentInput {
  name?: string;
  placement?: string;
  controlStrategy?: (typeof strategies)[number];
  variantStrategy?: (typeof strategies)[number];
  controlShare?: number;
  primaryMetric?: MetricName;
  method?: (typeof methods)[number];
  targetMde?: number;
}

const base = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}/experiments`;
const one = (tenantId: string, id: string) => `${base(tenantId)}/${encodeURIComponent(id)}`;

export const experimentsPageSize = 100; // the API's largest page

export const listExperiments = (tenantId: string, offset: number, f: { status?: string; placement?: string } = {}) =>
  request("GET", base(tenantId), page(experiment), { query: { limit: experimentsPageSize, offset, status: f.status, placement: f.placement } });
export const getExperiment = (tenantId: string, id: string) => request("GET", one(tenantId, id), envelope(experiment));
export const createExperiment = (tenantId: string, body: ExperimentInput) => request("POST", base(tenantId), envelope(experiment), { body });
export const updateExperiment = (tenantId: string, id: string, body: ExperimentInput) => request("PUT", one(tenantId, id), envelope(experiment), { body });

/** Move is a lifecycle call: start (also resumes a paused experiment), pause, complete. */
export type Move = "start" | "pause" | "complete";
export const moveExperiment = (tenantId: string, id: string, move: Move) => request("POST", `${one(tenantId, id)}/${move}`, envelope(experiment));
export const getResults = (tenantId: string, id: string) => request("GET", `${one(tenantId, id)}/results`, envelope(experimentResults));
