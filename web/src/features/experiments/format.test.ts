import { describe, expect, it } from "vitest";
import type { ExperimentMetric, ExperimentResults } from "./api";
import { niceExtent } from "./CIChart";
import { absoluteLift, headline, metricValue, metricVerdict, needed, planning, pValue, signedPercent, split, srmText, verdictCell } from "./format";
import { actionsFor } from "./lifecycle";

const metric = (o: Partial<ExperimentMetric> = {}): ExperimentMetric => ({
  controlMetric: 0.1,
  variantMetric: 0.1041,
  lift: 0.041,
  absoluteLift: 0.0041,
  absoluteConfidenceInterval: { lower: 0.0012, upper: 0.007 },
  pValue: 0.0041,
  confidenceInterval: { lower: 0.012, upper: 0.07 },
  isSignificant: true,
  ...o,
});

const results = (o: Partial<ExperimentResults> = {}): ExperimentResults => ({
  ...metric(),
  experimentId: "exp1",
  experimentStatus: "running",
  primaryMetric: "conversion_rate",
  method: "sequential",
  sampleSize: { control: 5000, variant: 5010 },
  srm: { chiSquare: 0.01, pValue: 0.92, flagged: false },
  mde: 0.123,
  targetMde: 0.1,
  daysToTargetMde: 6,
  status: "ok",
  metrics: {},
  ...o,
});

describe("numbers", () => {
  it("writes signed relative lifts with one decimal and a real minus sign", () => {
    expect(signedPercent(0.041)).toBe("+4.1%");
    expect(signedPercent(-0.03)).toBe("\u22123.0%");
    expect(signedPercent(0)).toBe("0.0%");
    expect(signedPercent(-0.00001)).toBe("0.0%"); // no sign on what rounds to nothing
  });
  it("writes rates as percentages and revenue per user in the tenant's currency", () => {
    expect(metricValue("conversion_rate", 0.03125, "EUR")).toBe("3.13%");
    expect(metricValue("ctr", 0.5, "EUR")).toBe("50%");
    expect(metricValue("revenue_per_user", 12.5, "EUR")).toBe("€12.50");
    expect(metricValue("revenue_per_user", 3, "JPY")).toBe("¥3");
  });
  it("writes absolute lifts in percentage points or signed money", () => {
    expect(absoluteLift("conversion_rate", 0.0052, "USD")).toBe("+0.52 percentage points");
    expect(absoluteLift("ctr", -0.01, "USD")).toBe("\u22121 percentage points");
    expect(absoluteLift("revenue_per_user", -1.5, "USD")).toBe("\u2212$1.50");
    expect(absoluteLift("revenue_per_user", 0, "USD")).toBe("$0.00");
  });
  it("writes p-values, very small ones as a bound", () => {
    expect(pValue(0.0041)).toBe("p = 0.004");
    expect(pValue(0.31)).toBe("p = 0.31");
    expect(pValue(1)).toBe("p = 1");
    expect(pValue(0.00002)).toBe("p < 0.001");
  });
  it("writes the split", () => {
    expect(split(0.5)).toBe("50% control / 50% variant");
    expect(split(0.3)).toBe("30% control / 70% variant");
  });
  it("rounds the chart's half-width to 1, 2 or 5 times a power of ten", () => {
    expect(niceExtent(0.077)).toBe(0.1);
    expect(niceExtent(0.15)).toBeCloseTo(0.2);
    expect(niceExtent(0.3)).toBeCloseTo(0.5);
    expect(niceExtent(0)).toBe(0.01);
  });
});

describe("metricVerdict", () => {
  it("names the winner with the lift, its 95% interval and the p-value", () => {
    expect(metricVerdict("conversion_rate", metric(), "USD")).toEqual({ tone: "win", text: "Variant wins: +4.1% (95% CI +1.2% to +7.0%), p = 0.004" });
    const worse = metric({ lift: -0.05, absoluteLift: -0.005, absoluteConfidenceInterval: { lower: -0.009, upper: -0.001 }, confidenceInterval: { lower: -0.09, upper: -0.01 }, pValue: 0.01 });
    expect(metricVerdict("ctr", worse, "USD")).toEqual({
      tone: "lose",
      text: "Control wins: the variant is \u22125.0% (95% CI \u22129.0% to \u22121.0%), p = 0.01",
    });
  });
  it("says no significant difference, 'yet' only while it can still change", () => {
    const flat = metric({ isSignificant: false, lift: 0.012, confidenceInterval: { lower: -0.02, upper: 0.044 }, pValue: 0.31 });
    expect(metricVerdict("conversion_rate", flat, "USD").text).toBe("No significant difference yet: +1.2% (95% CI \u22122.0% to +4.4%), p = 0.31");
    expect(metricVerdict("conversion_rate", flat, "USD", true).text).toBe("No significant difference: +1.2% (95% CI \u22122.0% to +4.4%), p = 0.31");
  });
  it("quotes the difference when the relative interval still takes in zero beside a significant result", () => {
    const wide = metric({
      controlMetric: 0.0317,
      variantMetric: 0.0483,
      lift: 0.526,
      absoluteLift: 0.0167,
      absoluteConfidenceInterval: { lower: 0.0012, upper: 0.0321 },
      confidenceInterval: { lower: -0.078, upper: 0.797 },
      pValue: 0.027,
    });
    expect(metricVerdict("conversion_rate", wide, "USD")).toEqual({
      tone: "win",
      text:
        "Variant wins: +52.6%, p = 0.027. The difference, +1.67 percentage points (95% CI +0.12 to +3.21 percentage points), " +
        "leaves out zero; the relative lift's interval (\u22127.8% to +79.7%) is wider, as it also counts the control's own uncertainty",
    });
    expect(metricVerdict("revenue_per_user", { ...wide, absoluteLift: 2, absoluteConfidenceInterval: { lower: 0.5, upper: 3.5 } }, "EUR").text).toContain(
      "The difference, +€2.00 (95% CI +€0.50 to +€3.50), leaves out zero",
    );
  });
  it("takes the winner from the interval, and says so when the latest difference has moved out of it", () => {
    // Sequential: the variant won on earlier days; the difference has since turned.
    const faded = metric({ lift: -0.03, absoluteLift: -0.003, absoluteConfidenceInterval: { lower: 0.011, upper: 0.0175 }, confidenceInterval: { lower: 0.1, upper: 0.2 }, pValue: 0.001 });
    const v = metricVerdict("conversion_rate", faded, "USD");
    expect(v.tone).toBe("win");
    expect(v.text).toMatch(/^Variant wins: /);
    expect(v.text).toContain("The difference now stands at \u22120.3 percentage points, outside its 95% interval (+1.1 to +1.75 percentage points)");
    expect(verdictCell(results(), faded)).toBe("Variant wins");
  });
  it("falls back to the absolute lift when the control has none", () => {
    const fromZero = metric({ controlMetric: 0, lift: null, confidenceInterval: null, absoluteLift: 2.5, isSignificant: false, pValue: 0.2 });
    expect(metricVerdict("revenue_per_user", fromZero, "EUR").text).toBe(
      "No significant difference yet: +€2.50 (the control has none, so no relative lift), p = 0.2",
    );
  });
});

describe("headline", () => {
  it("is the primary metric's verdict when all is well", () => {
    expect(headline(results(), "USD").text).toBe("Variant wins: +4.1% (95% CI +1.2% to +7.0%), p = 0.004");
  });
  it("refuses a verdict when the split is broken", () => {
    const r = results({ status: "srm_warning", srm: { chiSquare: 48.2, pValue: 3.8e-12, flagged: true }, isSignificant: false });
    expect(headline(r, "USD")).toEqual({ tone: "warn", text: "These results cannot be trusted: the split is broken (sample ratio mismatch). No winner is declared." });
    expect(verdictCell(r, metric())).toBe("Not trusted (sample ratio mismatch)");
    const srm = srmText({ ...r, sampleSize: { control: 600, variant: 400 } }, 0.5);
    expect(srm).toContain("asked for 50% of users in the control arm, but it has 60% (600 control, 400 variant; χ² = 48.2, p < 0.001)");
    expect(srm).toContain("the results cannot be trusted");
  });
  it("says how many users and conversions each arm still needs", () => {
    const r = results({ status: "insufficient_data", isSignificant: false, sampleSize: { control: 40, variant: 120 }, controlMetric: 0.05, variantMetric: 0.025 });
    expect(headline(r, "USD")).toEqual({
      tone: "wait",
      text:
        "Not enough data yet. Each arm needs at least 100 users and 10 conversions before a winner can be called. " +
        "Still needed: control 60 more users and 8 more conversions; variant 7 more conversions.",
    });
    expect(verdictCell(r, metric({ isSignificant: false }))).toBe("Not enough data yet");
  });
  it("asks only for users when the metric is not a conversion rate", () => {
    expect(needed({ primaryMetric: "ctr", sampleSize: { control: 99, variant: 100 }, controlMetric: 0, variantMetric: 0 })).toBe(
      "Each arm needs at least 100 users before a winner can be called. Still needed: control 1 more user.",
    );
  });
  it("explains a degenerate comparison", () => {
    expect(headline(results({ status: "degenerate", isSignificant: false }), "USD").text).toMatch(/^Nothing to compare yet: every user so far has the same conversion rate/);
  });
});

describe("planning", () => {
  it("gives the detectable lift and the days to the target", () => {
    expect(planning(results())).toEqual([
      "With the users so far, the smallest lift this test detects (80% power) is 12.3% (a sequential test needs more users than a fixed one, in exchange for looking any time).",
      "About 6 more days, at the traffic so far, to reach your target MDE of 10%.",
    ]);
  });
  it("says when the target is reached, missing, or not estimable", () => {
    expect(planning(results({ daysToTargetMde: 0, method: "fixed" }))[1]).toBe("Your target MDE of 10% is reached: a lift that large would now be detected.");
    expect(planning(results({ targetMde: null, daysToTargetMde: null }))[1]).toBe("Set a target MDE to see how many more days the experiment needs.");
    expect(planning(results({ daysToTargetMde: null }))[1]).toBe("Not enough traffic yet to estimate the days needed for your target MDE of 10%.");
    expect(planning(results({ mde: null }))[0]).toMatch(/cannot be estimated yet/);
  });
  it("says nothing of days once the experiment is completed", () => {
    expect(planning(results({ experimentStatus: "completed", daysToTargetMde: null }))).toHaveLength(1);
  });
});

describe("actionsFor", () => {
  it("offers the moves the lifecycle allows", () => {
    const labels = (s: Parameters<typeof actionsFor>[0]) => actionsFor(s).map((a) => `${a.label}:${a.move}`);
    expect(labels("draft")).toEqual(["Start:start", "Complete without starting:complete"]);
    expect(labels("running")).toEqual(["Pause:pause", "Complete:complete"]);
    expect(labels("paused")).toEqual(["Resume:start", "Complete:complete"]);
    expect(labels("completed")).toEqual([]);
  });

  it("confirms completing in words that fit the status: a draft is completed, not deleted", () => {
    const draft = actionsFor("draft").find((a) => a.move === "complete")!;
    expect(draft.confirm?.title("Spring test")).toBe("Complete “Spring test” without starting it?");
    expect(draft.confirm?.body("home")).toMatch(/stays in the list of experiments as completed, with no results/);
    expect(draft.done("home")).toBe("Completed without starting. It stays in the list as completed, with no results.");
    const running = actionsFor("running").find((a) => a.move === "complete")!;
    expect(running.confirm?.title("Spring test")).toBe("Complete “Spring test”?");
    expect(running.confirm?.body("home")).toMatch(/^Completing is final: .*Placement “home” becomes free/);
    expect(actionsFor("running").find((a) => a.move === "pause")?.confirm).toBeUndefined();
  });
});
