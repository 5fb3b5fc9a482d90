// An experiment's results (FR-018, DESIGN §5): the verdict of the primary metric in words,
// the SRM warning when the split is broken, users per arm, every metric's lift with its
// 95 % interval (a chart and the table behind it), and the detectable lift and days to go.
// Refreshed every 60 s while the experiment runs (not in hidden tabs), as analytics is.

import { useQuery } from "@tanstack/react-query";
import { ProblemMessage } from "../../app/Problem";
import { count, percent } from "../../app/format";
import { getResults, metrics, type Experiment, type ExperimentResults } from "./api";
import { CIChart, type CIRow } from "./CIChart";
import {
  absoluteInterval,
  absoluteLift,
  headline,
  interval,
  metricHints,
  metricLabel,
  metricValue,
  metricVerdict,
  planning,
  pValue,
  signedPercent,
  srmText,
  strategyLabel,
  verdictCell,
} from "./format";

const refreshMs = 60_000;
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export function Results({ tenantId, experiment: e, currency }: { tenantId: string; experiment: Experiment; currency: string }) {
  const results = useQuery({
    queryKey: ["experimentResults", tenantId, e.id],
    queryFn: () => getResults(tenantId, e.id),
    enabled: e.status !== "draft" && (e.status !== "completed" || e.startedAt != null),
    refetchInterval: e.status === "running" ? refreshMs : false,
    refetchIntervalInBackground: false,
  });
  // A draft completed without starting never ran: there is nothing to show, not "not enough data yet".
  if (e.status === "completed" && !e.startedAt)
    return (
      <section aria-labelledby="results-title">
        <h3 id="results-title">Results</h3>
        <p>None: the experiment was completed without being started, so no shopper was ever assigned.</p>
      </section>
    );
  if (e.status === "draft")
    return (
      <section aria-labelledby="results-title">
        <h3 id="results-title">Results</h3>
        <p>Results appear here once the experiment is started and shoppers on placement “{e.placement}” are served.</p>
      </section>
    );
  const r = results.data?.data;
  return (
    <section aria-labelledby="results-title" className="exp-results">
      <h3 id="results-title">Results</h3>
      <p role="status" className="muted small">
        {results.isPending
          ? "Loading results…"
          : results.dataUpdatedAt > 0
            ? `Updated at ${new Date(results.dataUpdatedAt).toLocaleTimeString()}${e.status === "running" ? "; refreshed every minute while the experiment runs." : "."}`
            : ""}
      </p>
      <ProblemMessage error={results.error} />
      {r && <ResultsBody r={r} e={e} currency={currency} />}
    </section>
  );
}

export function ResultsBody({ r, e, currency }: { r: ExperimentResults; e: Experiment; currency: string }) {
  const verdict = headline(r, currency);
  // The primary metric first, then the others in the API's order.
  const names = [r.primaryMetric, ...metrics.filter((m) => m !== r.primaryMetric && r.metrics[m]), ...Object.keys(r.metrics).filter((m) => m !== r.primaryMetric && !(metrics as readonly string[]).includes(m))];
  const rows = names.map((m) => ({ name: m, m: m === r.primaryMetric ? (r.metrics[m] ?? r) : r.metrics[m] })).filter((x) => x.m);
  const total = r.sampleSize.control + r.sampleSize.variant;
  const chartRows: CIRow[] = rows.map(({ name, m }) => ({
    metric: name,
    label: metricLabel(name),
    lift: m.lift ?? null,
    ci: m.confidenceInterval ?? null,
    tone: r.srm.flagged ? "none" : (metricVerdict(name, m, currency).tone as CIRow["tone"]),
    verdict: lowerFirst(verdictCell(r, m)),
  }));
  return (
    <>
      {r.srm.flagged && (
        <div className="exp-srm" data-testid="srm-warning">
          <h4>Sample ratio mismatch: the split is broken</h4>
          <p>{srmText(r, e.controlShare)}</p>
        </div>
      )}
      {/* Polite, and only its text is read: a refresh that changes the verdict is announced. */}
      <div aria-live="polite" aria-atomic="true">
        <p className={`exp-verdict ${verdict.tone}`} data-testid="exp-verdict">
          <strong>{verdict.text}</strong>
        </p>
      </div>
      <p className="small">
        Primary metric: <strong>{metricLabel(r.primaryMetric)}</strong> ({metricHints[r.primaryMetric] ?? r.primaryMetric}). Method:{" "}
        {r.method === "sequential"
          ? "sequential (always-valid p-values: looking at the results any time does not add false positives)"
          : "fixed horizon (p-values are valid once, at the planned end: deciding on an earlier look inflates false positives)"}
        .
      </p>

      <h4 id="sample-title">Users per arm</h4>
      <div className="table-wrap">
        <table data-testid="sample-table">
          <caption className="sr-only">Exposed users per arm</caption>
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Strategy</th>
              <th scope="col">Users</th>
              <th scope="col">Share</th>
              <th scope="col">Planned share</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ["Control", e.controlStrategy, r.sampleSize.control, e.controlShare],
                ["Variant", e.variantStrategy, r.sampleSize.variant, 1 - e.controlShare],
              ] as const
            ).map(([arm, strategy, n, planned]) => (
              <tr key={arm}>
                <th scope="row">{arm}</th>
                <td>{strategyLabel(strategy)}</td>
                <td data-testid={`users-${arm.toLowerCase()}`}>{count(n)}</td>
                <td>{total > 0 ? percent(n / total) : "—"}</td>
                <td>{percent(planned)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h4 id="metrics-title">Lift by metric</h4>
      {chartRows.some((c) => c.lift != null) ? (
        <CIChart rows={chartRows} />
      ) : (
        <p className="muted">No metric has a relative lift to draw yet; the table has what there is.</p>
      )}
      <div className="table-wrap">
        <table data-testid="results-table">
          <caption className="sr-only">Each metric in both arms, the lift of the variant with its 95% confidence interval, and the p-value</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Control</th>
              <th scope="col">Variant</th>
              <th scope="col">Relative lift</th>
              <th scope="col">95% CI of the relative lift</th>
              <th scope="col">Absolute lift</th>
              <th scope="col">95% CI of the absolute lift</th>
              <th scope="col">p-value</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ name, m }) => {
              return (
                <tr key={name} data-metric={name}>
                  <th scope="row">
                    {metricLabel(name)}
                    {name === r.primaryMetric && <span className="muted small"> (primary)</span>}
                  </th>
                  <td>{metricValue(name, m.controlMetric, currency)}</td>
                  <td>{metricValue(name, m.variantMetric, currency)}</td>
                  <td>{m.lift == null ? "—" : signedPercent(m.lift)}</td>
                  <td>{m.confidenceInterval ? interval(m.confidenceInterval).replace(/^95% CI /, "") : "—"}</td>
                  <td>{absoluteLift(name, m.absoluteLift, currency)}</td>
                  <td>{m.absoluteConfidenceInterval ? absoluteInterval(name, m.absoluteConfidenceInterval, currency) : "—"}</td>
                  <td>{pValue(m.pValue).replace(/^p (= )?/, "")}</td>
                  <td>{verdictCell(r, m)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h4 id="planning-title">Detectable lift and time to go</h4>
      <ul className="exp-planning">
        {planning(r).map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      {r.looks != null && (
        <p className="muted small">
          {count(r.looks)} {r.looks === 1 ? "day" : "days"} analysed
          {r.method === "sequential" && r.nStar ? `; the sequential test is tuned for ${count(Math.round(r.nStar))} users` : ""}.
        </p>
      )}
    </>
  );
}
