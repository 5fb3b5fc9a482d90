// How experiments and their results are written: labels, numbers with Intl (revenue in the
// tenant's currency), and the results said in words (DESIGN §5, STATS.md): who wins and by
// how much with its 95 % interval, or why nothing can be said yet.

import { count, money, percent, strategyLabels } from "../../app/format";
import type { ExperimentMetric, ExperimentResults, ExperimentStatus } from "./api";

const locale = undefined; // the browser's
// The server's thresholds (internal/stats: MinUsersPerArm, MinConversionsPerArm).
export const minUsersPerArm = 100;
export const minConversionsPerArm = 10;

export const metricLabels: Record<string, string> = {
  conversion_rate: "Conversion rate",
  ctr: "Click-through rate",
  revenue_per_user: "Revenue per user",
};
export const metricHints: Record<string, string> = {
  conversion_rate: "exposed users with a purchase credited to a recommendation",
  ctr: "clicks per impression, per user",
  revenue_per_user: "credited revenue per exposed user",
};
export const methodLabels: Record<string, string> = {
  sequential: "Sequential (recommended): valid however often you look at the results",
  fixed: "Fixed horizon: read once, at the planned end",
};
export const statusLabels: Record<ExperimentStatus, string> = { draft: "Draft", running: "Running", paused: "Paused", completed: "Completed" };

export const strategyLabel = (s: string) => strategyLabels[s] ?? s;
export const metricLabel = (m: string) => metricLabels[m] ?? m;

/** split writes the control share and the rest, e.g. "50% control / 50% variant". */
export const split = (controlShare: number) => `${percent(controlShare)} control / ${percent(1 - controlShare)} variant`;

const minus = "\u2212";
const sign = (n: number) => (n > 0 ? "+" : n < 0 ? minus : "");

/** signedPercent writes a relative change with its sign and one decimal: "+4.1%", "−3.0%", "0.0%". */
export function signedPercent(n: number) {
  const abs = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(Math.abs(n));
  return (abs === new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1 }).format(0) ? "" : sign(n)) + abs;
}

const isRate = (metric: string) => metric !== "revenue_per_user";

/** metricValue writes one arm's value: rates as percentages (two decimals), revenue per user as money. */
export function metricValue(metric: string, n: number, currency: string) {
  return isRate(metric) ? new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(n) : money(n, currency);
}

/** absoluteLift writes variant − control: rates in percentage points, revenue per user as signed money. */
export function absoluteLift(metric: string, n: number, currency: string) {
  if (isRate(metric)) {
    const pts = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(Math.abs(n) * 100);
    return `${pts === "0" ? "" : sign(n)}${pts} percentage points`;
  }
  const m = money(Math.abs(n), currency);
  return (Math.abs(n) >= 0.005 ? sign(n) : "") + m;
}

/** pValue writes "p = 0.004", or "p < 0.001" below that. */
export function pValue(p: number) {
  if (p < 0.001) return "p < 0.001";
  return "p = " + new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(p);
}

/** interval writes the 95 % interval of the relative lift, e.g. "95% CI +1.2% to +7.0%". */
export const interval = (ci: { lower: number; upper: number }) => `95% CI ${signedPercent(ci.lower)} to ${signedPercent(ci.upper)}`;

/** absoluteInterval writes the 95 % interval of the difference in the metric's unit, e.g. "+0.12 to +3.21 percentage points". */
export function absoluteInterval(metric: string, ci: { lower: number; upper: number }, currency: string) {
  if (isRate(metric)) {
    const pts = (n: number) => {
      const s = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(Math.abs(n) * 100);
      return (s === "0" ? "" : sign(n)) + s;
    };
    return `${pts(ci.lower)} to ${pts(ci.upper)} percentage points`;
  }
  const money1 = (n: number) => (Math.abs(n) >= 0.005 ? sign(n) : "") + money(Math.abs(n), currency);
  return `${money1(ci.lower)} to ${money1(ci.upper)}`;
}

/** liftText is the relative lift with its interval, or the absolute one when the control is 0 (no relative lift). */
function liftText(metric: string, m: ExperimentMetric, currency: string) {
  if (m.lift == null) return `${absoluteLift(metric, m.absoluteLift, currency)} (the control has none, so no relative lift)`;
  return m.confidenceInterval ? `${signedPercent(m.lift)} (${interval(m.confidenceInterval)})` : signedPercent(m.lift);
}

/**
 * straddles reports a significant result whose relative interval still takes in 0. The
 * test is on the difference, whose interval then leaves 0 out; the relative one (delta
 * method) also counts the control's own uncertainty, so with a large lift on a small
 * sample it is wider. The verdict then quotes the difference, so that it never reads as
 * a contradiction.
 */
const straddles = (m: ExperimentMetric) =>
  m.isSignificant && m.lift != null && m.confidenceInterval != null && m.confidenceInterval.lower <= 0 && m.confidenceInterval.upper >= 0 && m.absoluteConfidenceInterval != null;

export type Tone = "win" | "lose" | "none" | "warn" | "wait";

/**
 * metricVerdict says one metric's comparison in words: "Variant wins: +4.1% (95% CI +1.2%
 * to +7.0%), p = 0.004", "Control wins: …", or "No significant difference yet: …" (without
 * "yet" once the experiment is completed).
 */
export function metricVerdict(metric: string, m: ExperimentMetric, currency: string, final = false): { tone: Tone; text: string } {
  let detail = `${liftText(metric, m, currency)}, ${pValue(m.pValue)}`;
  if (straddles(m))
    detail =
      `${signedPercent(m.lift!)}, ${pValue(m.pValue)}. The difference, ${absoluteLift(metric, m.absoluteLift, currency)} ` +
      `(95% CI ${absoluteInterval(metric, m.absoluteConfidenceInterval!, currency)}), leaves out zero; the relative lift's interval ` +
      `(${signedPercent(m.confidenceInterval!.lower)} to ${signedPercent(m.confidenceInterval!.upper)}) is wider, as it also counts the control's own uncertainty`;
  const ci = m.absoluteConfidenceInterval;
  if (m.isSignificant && ci && (m.absoluteLift < ci.lower || m.absoluteLift > ci.upper))
    detail +=
      `. The difference now stands at ${absoluteLift(metric, m.absoluteLift, currency)}, outside its 95% interval ` +
      `(${absoluteInterval(metric, ci, currency)}): the evidence came from earlier days and the effect has moved since, as when a novelty wears off`;
  const s = side(m);
  if (s > 0) return { tone: "win", text: `Variant wins: ${detail}` };
  if (s < 0) return { tone: "lose", text: `Control wins: the variant is ${detail}` };
  return { tone: "none", text: `No significant difference${final ? "" : " yet"}: ${detail}` };
}

/**
 * side says which arm a significant result favours: +1 the variant, −1 the control, 0 none.
 * The difference's interval decides when there is one, as it carries the evidence of every
 * look (sequential method); the latest difference may have moved since.
 */
function side(m: ExperimentMetric): number {
  if (!m.isSignificant) return 0;
  const ci = m.absoluteConfidenceInterval;
  if (ci && ci.lower > 0) return 1;
  if (ci && ci.upper < 0) return -1;
  return Math.sign(m.absoluteLift);
}

/**
 * needed says what the sample still lacks before anything can be declared (DESIGN §5: 100
 * users per arm, and for conversion rate 10 conversions, and 10 users without one, per arm),
 * e.g. "Still needed: control 60 more users; variant 55 more users and 3 more conversions."
 */
export function needed(r: Pick<ExperimentResults, "sampleSize" | "primaryMetric" | "controlMetric" | "variantMetric">) {
  const arms = [
    ["control", r.sampleSize.control, r.controlMetric],
    ["variant", r.sampleSize.variant, r.variantMetric],
  ] as const;
  const parts: string[] = [];
  for (const [arm, n, rate] of arms) {
    const lacks: string[] = [];
    if (n < minUsersPerArm) lacks.push(`${count(minUsersPerArm - n)} more ${minUsersPerArm - n === 1 ? "user" : "users"}`);
    if (r.primaryMetric === "conversion_rate") {
      const converted = Math.round(rate * n);
      const short = minConversionsPerArm - converted;
      if (short > 0) lacks.push(`${count(short)} more ${short === 1 ? "conversion" : "conversions"}`);
      else if (n - converted < minConversionsPerArm && n >= minUsersPerArm)
        lacks.push(`${count(minConversionsPerArm - (n - converted))} more users without a purchase`);
    }
    if (lacks.length) parts.push(`${arm} ${lacks.join(" and ")}`);
  }
  const rule =
    r.primaryMetric === "conversion_rate"
      ? `Each arm needs at least ${minUsersPerArm} users and ${minConversionsPerArm} conversions before a winner can be called.`
      : `Each arm needs at least ${minUsersPerArm} users before a winner can be called.`;
  return parts.length ? `${rule} Still needed: ${parts.join("; ")}.` : rule;
}

/** headline is the verdict of the primary metric, or why there is none (SRM, too little data, nothing to compare). */
export function headline(r: ExperimentResults, currency: string): { tone: Tone; text: string } {
  if (r.srm.flagged || r.status === "srm_warning")
    return { tone: "warn", text: "These results cannot be trusted: the split is broken (sample ratio mismatch). No winner is declared." };
  if (r.status === "insufficient_data") return { tone: "wait", text: `Not enough data yet. ${needed(r)}` };
  if (r.status === "degenerate")
    return {
      tone: "wait",
      text: `Nothing to compare yet: every user so far has the same ${metricLabel(r.primaryMetric).toLowerCase()} in both arms (for example none at all), so no test is possible.`,
    };
  return metricVerdict(r.primaryMetric, r, currency, r.experimentStatus === "completed");
}

/** verdictCell is a metric's verdict in a few words, for the results table. */
export function verdictCell(r: Pick<ExperimentResults, "srm" | "status" | "experimentStatus">, m: ExperimentMetric) {
  if (r.srm.flagged) return "Not trusted (sample ratio mismatch)";
  if (side(m) !== 0) return side(m) > 0 ? "Variant wins" : "Control wins";
  if (r.status === "insufficient_data") return "Not enough data yet";
  return r.experimentStatus === "completed" ? "No significant difference" : "No significant difference yet";
}

/** srmText explains a flagged sample ratio mismatch with the numbers behind it (STATS b6). */
export function srmText(r: Pick<ExperimentResults, "sampleSize" | "srm">, controlShare: number) {
  const total = r.sampleSize.control + r.sampleSize.variant;
  const actual = total > 0 ? r.sampleSize.control / total : 0;
  const chi = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(r.srm.chiSquare);
  return (
    `The experiment asked for ${percent(controlShare)} of users in the control arm, but it has ${percent(actual)} ` +
    `(${count(r.sampleSize.control)} control, ${count(r.sampleSize.variant)} variant; χ² = ${chi}, ${pValue(r.srm.pValue)}). ` +
    "A gap that large is not chance: something serves or counts one arm's users differently (a cache or CDN in front of " +
    "recommendations, bots, pages calling with another placement). Until that is fixed, the results cannot be trusted."
  );
}

/** planning says the detectable lift at the current sample and the days still needed for the target MDE. */
export function planning(r: ExperimentResults): string[] {
  const out: string[] = [];
  const target = r.targetMde != null ? percent(r.targetMde) : "";
  if (r.mde == null) out.push(`The smallest detectable lift cannot be estimated yet: it needs users with some ${metricLabel(r.primaryMetric).toLowerCase()} in the control arm.`);
  else
    out.push(
      `With the users so far, the smallest lift this test detects (80% power) is ${percent(r.mde)}${
        r.method === "sequential" ? " (a sequential test needs more users than a fixed one, in exchange for looking any time)" : ""
      }.`,
    );
  if (r.experimentStatus === "completed" || r.experimentStatus === "draft") return out;
  if (r.targetMde == null) out.push("Set a target MDE to see how many more days the experiment needs.");
  else if (r.daysToTargetMde === 0) out.push(`Your target MDE of ${target} is reached: a lift that large would now be detected.`);
  else if (r.daysToTargetMde != null)
    out.push(`About ${count(r.daysToTargetMde)} more ${r.daysToTargetMde === 1 ? "day" : "days"}, at the traffic so far, to reach your target MDE of ${target}.`);
  else out.push(`Not enough traffic yet to estimate the days needed for your target MDE of ${target}.`);
  return out;
}

/** when writes a date-time for a list or a page, or "—" when there is none. */
export const when = (s: string | null | undefined) => (s ? new Date(s).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) : "—");

/** day writes the date alone, for the list. */
export const day = (s: string) => new Date(s).toLocaleDateString(locale, { dateStyle: "medium" });
