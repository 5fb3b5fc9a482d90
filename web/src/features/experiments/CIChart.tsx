// The relative lift of each metric with its 95 % confidence interval, as a small SVG: a
// horizontal interval around the lift, and a zero line (an interval that crosses it is no
// difference). A few lines and no axes library: Recharts would add its chunk for this. The
// colour of a row (win, lose) is never alone (WCAG 1.4.1): each row says its verdict in words
// under its name, the text alternative says every verdict and interval, the caption explains
// the colours, and the table beside it has the same numbers.

import { useId } from "react";
import { signedPercent } from "./format";

export interface CIRow {
  metric: string;
  label: string;
  lift: number | null;
  ci: { lower: number; upper: number } | null;
  tone: "win" | "lose" | "none";
  /** verdict is the row's verdict in a few words, e.g. "variant wins". */
  verdict: string;
}

/** rowSummary says one row in words: "Revenue per user: variant wins, +20.0% (95% CI +8.0% to +32.0%)". */
export function rowSummary(r: CIRow) {
  if (r.lift == null) return `${r.label}: ${r.verdict}, no relative lift (the control has none)`;
  return `${r.label}: ${r.verdict}, ${signedPercent(r.lift)}${r.ci ? ` (95% CI ${signedPercent(r.ci.lower)} to ${signedPercent(r.ci.upper)})` : ""}`;
}

/** niceExtent rounds a half-width up to 1, 2 or 5 times a power of ten, so the ticks read well. */
export function niceExtent(x: number) {
  const v = Math.max(x, 0.01);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// An axis label: whole per cents where they are whole ("+500%"), else one decimal.
const tick = (n: number) =>
  (n > 0 ? "+" : n < 0 ? "\u2212" : "") + new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 }).format(Math.abs(n));

const width = 700;
const left = 230; // room for the metric's name and its verdict ("no significant difference yet")
const right = 40; // half of the widest tick label ("+1,000%")
const rowH = 44;
const top = 12;
const axisH = 36;

export function CIChart({ rows }: { rows: CIRow[] }) {
  const id = useId();
  const values = rows.flatMap((r) => [r.lift, r.ci?.lower, r.ci?.upper]).filter((v): v is number => v != null && Number.isFinite(v));
  const extent = niceExtent(Math.max(0, ...values.map(Math.abs)) * 1.05);
  const plotW = width - left - right;
  const x = (v: number) => left + ((Math.max(-extent, Math.min(extent, v)) + extent) / (2 * extent)) * plotW;
  const height = top + rows.length * rowH + axisH;
  const ticks = [-extent, -extent / 2, 0, extent / 2, extent];
  const summary = rows.map(rowSummary).join("; ");
  return (
    <figure className="ci-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t ${id}-d`} preserveAspectRatio="xMinYMin meet">
        <title id={`${id}-t`}>Relative lift of the variant over the control, with 95% confidence intervals</title>
        <desc id={`${id}-d`}>{summary}. An interval that crosses zero is no significant difference.</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={top} y2={top + rows.length * rowH} className={t === 0 ? "ci-zero" : "ci-grid"} />
            <text x={x(t)} y={top + rows.length * rowH + 20} textAnchor="middle" className="ci-tick">
              {tick(t)}
            </text>
          </g>
        ))}
        {rows.map((r, i) => {
          const cy = top + i * rowH + rowH / 2;
          return (
            <g key={r.metric} className={`ci-row ${r.tone}`} data-metric={r.metric}>
              <text x={0} y={cy - 3} className="ci-label">
                {r.label}
              </text>
              <text x={0} y={cy + 14} className="ci-verdict">
                {r.verdict}
              </text>
              {r.ci && (
                <>
                  <line x1={x(r.ci.lower)} x2={x(r.ci.upper)} y1={cy} y2={cy} className="ci-bar" />
                  <line x1={x(r.ci.lower)} x2={x(r.ci.lower)} y1={cy - 8} y2={cy + 8} className="ci-bar" />
                  <line x1={x(r.ci.upper)} x2={x(r.ci.upper)} y1={cy - 8} y2={cy + 8} className="ci-bar" />
                </>
              )}
              {r.lift != null ? (
                <circle cx={x(r.lift)} cy={cy} r={6} className="ci-point" />
              ) : (
                <text x={left + plotW / 2} y={cy - 6} textAnchor="middle" className="ci-tick">
                  no relative lift (the control has none)
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted small">
        Dot: the variant’s lift over the control; bar: its 95% confidence interval; vertical line: no difference. Green: the variant wins;
        red: the control wins; grey: no significant difference, or not enough data to say. Each row also says its verdict under its name.
      </figcaption>
    </figure>
  );
}
