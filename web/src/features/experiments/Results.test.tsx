import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Experiment, ExperimentMetric, ExperimentResults } from "./api";
import { ResultsBody } from "./Results";

afterEach(cleanup);

const e: Experiment = {
  id: "exp1",
  name: "Collab vs trending",
  placement: "home",
  status: "running",
  controlStrategy: "collaborative",
  variantStrategy: "trending",
  controlShare: 0.5,
  primaryMetric: "revenue_per_user",
  method: "sequential",
  createdAt: "2026-11-01T10:00:00Z",
  startedAt: "2026-11-01T10:05:00Z",
  endedAt: null,
};
const m = (o: Partial<ExperimentMetric>): ExperimentMetric => ({
  controlMetric: 0,
  variantMetric: 0,
  lift: null,
  absoluteLift: 0,
  pValue: 1,
  confidenceInterval: null,
  isSignificant: false,
  ...o,
});
const revenue = m({
  controlMetric: 10,
  variantMetric: 12,
  lift: 0.2,
  absoluteLift: 2,
  absoluteConfidenceInterval: { lower: 0.9, upper: 3.1 },
  pValue: 0.0004,
  confidenceInterval: { lower: 0.08, upper: 0.32 },
  isSignificant: true,
});
const r = (o: Partial<ExperimentResults> = {}): ExperimentResults => ({
  ...revenue,
  experimentId: "exp1",
  experimentStatus: "running",
  primaryMetric: "revenue_per_user",
  method: "sequential",
  sampleSize: { control: 1200, variant: 1180 },
  srm: { chiSquare: 0.17, pValue: 0.68, flagged: false },
  mde: 0.05,
  targetMde: null,
  daysToTargetMde: null,
  status: "ok",
  looks: 3,
  nStar: 5000,
  metrics: {
    conversion_rate: m({ controlMetric: 0.04, variantMetric: 0.045, lift: 0.125, absoluteLift: 0.005, absoluteConfidenceInterval: { lower: -0.002, upper: 0.012 }, pValue: 0.4, confidenceInterval: { lower: -0.1, upper: 0.35 } }),
    ctr: m({ controlMetric: 0.1, variantMetric: 0.1, lift: 0, pValue: 1, confidenceInterval: { lower: -0.05, upper: 0.05 } }),
    revenue_per_user: revenue,
  },
  ...o,
});

describe("ResultsBody", () => {
  it("says the verdict, and puts every number in the tables, the primary metric first, revenue in the tenant's currency", () => {
    render(<ResultsBody r={r()} e={e} currency="EUR" />);
    expect(screen.getByTestId("exp-verdict").textContent).toBe("Variant wins: +20.0% (95% CI +8.0% to +32.0%), p < 0.001");
    expect(screen.queryByTestId("srm-warning")).toBeNull();
    const sample = within(screen.getByTestId("sample-table"));
    expect(sample.getByTestId("users-control").textContent).toBe("1,200");
    expect(sample.getByTestId("users-variant").textContent).toBe("1,180");
    const rows = within(screen.getByTestId("results-table")).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.getAttribute("data-metric"))).toEqual(["revenue_per_user", "conversion_rate", "ctr"]);
    expect(within(rows[0]).getAllByRole("cell").map((c) => c.textContent)).toEqual(["€10.00", "€12.00", "+20.0%", "+8.0% to +32.0%", "+€2.00", "+€0.90 to +€3.10", "< 0.001", "Variant wins"]);
    expect(within(rows[1]).getAllByRole("cell").map((c) => c.textContent)).toEqual([
      "4%",
      "4.5%",
      "+12.5%",
      "\u221210.0% to +35.0%",
      "+0.5 percentage points",
      "\u22120.2 to +1.2 percentage points",
      "0.4",
      "No significant difference yet",
    ]);
    // The chart: one interval per metric, named in its text alternative.
    const chart = screen.getByRole("img", { name: /Relative lift of the variant/ });
    expect(chart.querySelectorAll(".ci-row")).toHaveLength(3);
    expect(chart.querySelector(".ci-row.win")?.getAttribute("data-metric")).toBe("revenue_per_user");
    // Not by colour alone: each row's verdict in words, in the image and in its text alternative.
    expect([...chart.querySelectorAll(".ci-verdict")].map((t) => t.textContent)).toEqual(["variant wins", "no significant difference yet", "no significant difference yet"]);
    expect(chart.querySelector("desc")?.textContent).toBe(
      "Revenue per user: variant wins, +20.0% (95% CI +8.0% to +32.0%); " +
        "Conversion rate: no significant difference yet, +12.5% (95% CI \u221210.0% to +35.0%); " +
        "Click-through rate: no significant difference yet, 0.0% (95% CI \u22125.0% to +5.0%). " +
        "An interval that crosses zero is no significant difference.",
    );
    expect(screen.getByText(/Green: the variant wins; red: the control wins/)).toBeTruthy();
    expect(screen.getByText(/smallest lift this test detects \(80% power\) is 5%/)).toBeTruthy();
  });

  it("puts the SRM warning first and trusts no metric when the split is broken", () => {
    render(<ResultsBody r={r({ status: "srm_warning", isSignificant: false, srm: { chiSquare: 40, pValue: 1e-10, flagged: true }, sampleSize: { control: 1300, variant: 1000 } })} e={e} currency="EUR" />);
    const warning = screen.getByTestId("srm-warning");
    expect(warning.textContent).toMatch(/Sample ratio mismatch: the split is broken/);
    expect(warning.textContent).toMatch(/cannot be trusted/);
    expect(screen.getByTestId("exp-verdict").textContent).toMatch(/^These results cannot be trusted/);
    const verdicts = within(screen.getByTestId("results-table"))
      .getAllByRole("row")
      .slice(1)
      .map((row) => within(row).getAllByRole("cell").at(-1)?.textContent);
    expect(verdicts).toEqual(Array(3).fill("Not trusted (sample ratio mismatch)"));
    expect(screen.getByRole("img", { name: /Revenue per user: not trusted \(sample ratio mismatch\), \+20\.0%/ })).toBeTruthy();
    expect(warning.compareDocumentPosition(screen.getByTestId("exp-verdict")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });
});
