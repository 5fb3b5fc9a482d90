// The analytics view lives in the URL query (?range=7d|30d|90d, or from=…&to=… for a custom
// range; placement=…, strategy=…), so a reload or a shared link shows the same view.

import type { AnalyticsQuery } from "../../api/endpoints";

export const presets = [
  { id: "7d", days: 7, label: "Last 7 days" },
  { id: "30d", days: 30, label: "Last 30 days" },
  { id: "90d", days: 90, label: "Last 90 days" },
] as const;
export type Preset = (typeof presets)[number]["id"];
export const defaultPreset: Preset = "30d";

export const analyticsStrategies = ["collaborative", "content_based", "trending", "frequently_bought_together", "trending_fallback", "unknown"] as const;

export interface View {
  /** A preset, or "custom" for from/to given in the URL. */
  range: Preset | "custom";
  from: string;
  to: string;
  placement: string;
  strategy: string;
}

const day = /^\d{4}-\d{2}-\d{2}$/;
const maxDays = 400; // the API's largest range

/** isoDay is d's UTC day, YYYY-MM-DD. */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** validDay says whether s is a real calendar day written YYYY-MM-DD. */
export function validDay(s: string | null): s is string {
  if (!s || !day.test(s)) return false;
  const d = new Date(s + "T00:00:00Z");
  return !Number.isNaN(d.getTime()) && isoDay(d) === s;
}

const addDays = (s: string, n: number) => isoDay(new Date(Date.parse(s + "T00:00:00Z") + n * 86_400_000));
/** daysBetween counts the days from–to, both included. */
export const daysIn = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

/**
 * parseView reads the view from a query string. Anything unknown or invalid falls back to
 * the default (the last 30 days): a custom range needs two valid days, from ≤ to, at most
 * 400 days; a strategy must be one the API knows.
 */
export function parseView(search: string, now: Date = new Date()): View {
  const q = new URLSearchParams(search);
  const to = isoDay(now);
  const placement = (q.get("placement") ?? "").trim().slice(0, 128);
  const s = q.get("strategy") ?? "";
  const strategy = (analyticsStrategies as readonly string[]).includes(s) ? s : "";
  const from = q.get("from");
  const until = q.get("to");
  if (q.get("range") === "custom" || (!q.has("range") && (from || until))) {
    if (validDay(from) && validDay(until) && from <= until && daysIn(from, until) <= maxDays)
      return { range: "custom", from, to: until, placement, strategy };
  }
  const preset = presets.find((p) => p.id === q.get("range")) ?? presets.find((p) => p.id === defaultPreset)!;
  return { range: preset.id, from: addDays(to, 1 - preset.days), to, placement, strategy };
}

/** viewSearch writes a view as a query string ("" for the default view). */
export function viewSearch(v: View): string {
  const q = new URLSearchParams();
  if (v.range === "custom") {
    q.set("from", v.from);
    q.set("to", v.to);
  } else if (v.range !== defaultPreset) q.set("range", v.range);
  if (v.placement) q.set("placement", v.placement);
  if (v.strategy) q.set("strategy", v.strategy);
  const s = q.toString();
  return s ? "?" + s : "";
}

/** customRangeError says what is wrong with a custom range, or "" when it is fine. */
export function customRangeError(from: string, to: string): string {
  if (!validDay(from) || !validDay(to)) return "Enter both days as dates.";
  if (from > to) return "The first day must not be after the last.";
  if (daysIn(from, to) > maxDays) return `A range holds at most ${maxDays} days.`;
  return "";
}

export const toQuery = (v: View): AnalyticsQuery => ({ from: v.from, to: v.to, placement: v.placement || undefined, strategy: v.strategy || undefined });
