import { describe, expect, it } from "vitest";
import type { KPIs } from "../../api/schemas";
import { changeText, formatKPI } from "./format";

const k = (o: Partial<KPIs>): KPIs => ({ impressions: 0, clicks: 0, ctr: 0, conversions: 0, conversionRate: 0, revenue: 0, ...o });
const ov = (previous: KPIs, change: KPIs, relative: Partial<Record<keyof KPIs, number | null>>) => ({ previous, change: { ...change, relative } });

describe("changeText", () => {
  it("says up and down in words, with the relative and absolute change and the previous value", () => {
    const o = ov(k({ impressions: 80, clicks: 10 }), k({ impressions: 20, clicks: -1 }), { impressions: 0.25, clicks: -0.1 });
    expect(changeText("impressions", o, "EUR")).toEqual({ direction: "up", text: "Up 25% (+20, from 80)" });
    expect(changeText("clicks", o, "EUR")).toEqual({ direction: "down", text: "Down 10% (−1, from 10)" });
  });
  it("says no change", () => {
    expect(changeText("conversions", ov(k({ conversions: 3 }), k({}), { conversions: 0 }), "EUR")).toEqual({ direction: "flat", text: "No change (from 3)" });
  });
  it("says when the previous period had none (relative is null)", () => {
    expect(changeText("clicks", ov(k({}), k({ clicks: 4 }), { clicks: null }), "EUR").text).toBe("Up from none in the previous period");
  });
  it("gives rates in percentage points and revenue in the tenant's currency", () => {
    expect(changeText("ctr", ov(k({ ctr: 0.1 }), k({ ctr: 0.025 }), { ctr: 0.25 }), "EUR").text).toBe("Up 2.5 percentage points (from 10%)");
    expect(changeText("revenue", ov(k({ revenue: 100 }), k({ revenue: -50 }), { revenue: -0.5 }), "EUR").text).toBe("Down 50% (−€50.00, from €100.00)");
    expect(formatKPI("revenue", 1234.5, "USD")).toBe("$1,234.50");
    expect(formatKPI("conversionRate", 0.125, "USD")).toBe("12.5%");
  });
});
