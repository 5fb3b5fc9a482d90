// Formatting of the KPI cards: each card's value by its kind, and its
// change against the previous period said in words (not by colour alone).

import type { KPI, Overview } from "../../api/schemas";
import { count, money, percent } from "../../app/format";

export const kpiLabels: Record<KPI, string> = {
  impressions: "Impressions",
  clicks: "Clicks",
  ctr: "Click-through rate",
  conversions: "Conversions",
  conversionRate: "Conversion rate",
  revenue: "Revenue",
};
export const kpiOrder: KPI[] = ["impressions", "clicks", "ctr", "conversions", "conversionRate", "revenue"];
const rates = new Set<KPI>(["ctr", "conversionRate"]);


/** formatKPI writes a KPI's value: rates as percentages, revenue as money, counts as integers. */
export function formatKPI(k: KPI, n: number, currency: string) {
  if (rates.has(k)) return percent(n);
  if (k === "revenue") return money(n, currency);
  return count(n);
}

export type Direction = "up" | "down" | "flat" | "new";

/**
 * changeText says how a KPI moved against the previous period, e.g. "Up 25 % (+20) from
 * 80", "Down 10 %", "No change", or, when the previous period had none, "New: none in the
 * previous period". Rates change in percentage points.
 */
export function changeText(k: KPI, o: Pick<Overview, "previous" | "change">, currency: string): { direction: Direction; text: string } {
  const diff = o.change[k];
  const rel = o.change.relative[k];
  const before = o.previous[k];
  const was = `from ${formatKPI(k, before, currency)}`;
  if (diff === 0 || Math.abs(diff) < 1e-9) return { direction: "flat", text: `No change (${was})` };
  const up = diff > 0;
  const word = up ? "Up" : "Down";
  if (rates.has(k)) {
    const pts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(Math.abs(diff) * 100);
    return { direction: up ? "up" : "down", text: `${word} ${pts} percentage points (${was})` };
  }
  if (rel === null || rel === undefined || before === 0) return { direction: "new", text: `${word} from none in the previous period` };
  const abs = k === "revenue" ? money(Math.abs(diff), currency) : count(Math.abs(diff));
  return { direction: up ? "up" : "down", text: `${word} ${percent(Math.abs(rel))} (${up ? "+" : "−"}${abs}, ${was})` };
}
