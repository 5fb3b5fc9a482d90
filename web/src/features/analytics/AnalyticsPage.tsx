// Analytics (US5, DESIGN §6): KPI cards with their change against the previous period, the
// daily time series (a lazily loaded chart and its table), top products, CSV export. The
// view (range, placement, strategy) is in the URL; everything refreshes every 60 s.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Component, lazy, Suspense, useState, type FormEvent, type ReactNode } from "react";
import { analyticsOverview, analyticsTimeSeries, analyticsTopProducts, getTenant } from "../../api/endpoints";
import type { DailyPoint, Overview } from "../../api/schemas";
import { ProblemMessage } from "../../app/Problem";
import { count, money, percent } from "../../app/format";
import { Link, navigate, useSearch } from "../../router";
import { downloadCSV } from "./csv";
import { changeText, formatKPI, kpiLabels, kpiOrder } from "./format";
import { analyticsStrategies, customRangeError, parseView, presets, toQuery, viewSearch, type View } from "./range";

const DailyChart = lazy(() => import("./DailyChart"));

const refreshMs = 60_000;
const live = { refetchInterval: refreshMs, refetchIntervalInBackground: false, placeholderData: keepPreviousData } as const;

export function AnalyticsPage({ tenantId }: { tenantId: string }) {
  const search = useSearch();
  const view = parseView(search);
  const q = toQuery(view);
  const key = [tenantId, q.from, q.to, q.placement ?? "", q.strategy ?? ""];
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const currency = tenant.data?.data.config.currency || "USD";
  const overview = useQuery({ queryKey: ["analytics", "overview", ...key], queryFn: () => analyticsOverview(tenantId, q), ...live });
  const series = useQuery({ queryKey: ["analytics", "timeseries", ...key], queryFn: () => analyticsTimeSeries(tenantId, q), ...live });
  const top = useQuery({ queryKey: ["analytics", "top", ...key], queryFn: () => analyticsTopProducts(tenantId, q), ...live });

  const go = (v: View) => navigate(location.pathname + viewSearch(v));
  const o = overview.data?.data;
  const points = series.data?.data ?? [];
  const products = top.data?.data ?? [];
  const noData = o && o.current.impressions === 0 && o.current.clicks === 0 && o.current.conversions === 0 && o.previous.impressions === 0;
  const updated = Math.max(overview.dataUpdatedAt, series.dataUpdatedAt, top.dataUpdatedAt);
  const failed = overview.error ?? series.error ?? top.error;
  const base = `/tenants/${encodeURIComponent(tenantId)}`;

  return (
    <>
      <Filters view={view} onChange={go} />
      <p role="status" className="muted small">
        {overview.isPending ? "Loading analytics…" : updated > 0 ? `Updated at ${new Date(updated).toLocaleTimeString()}; refreshed every minute.` : ""}
      </p>
      {failed && <ProblemMessage error={failed} />}
      {noData && (
        <div className="callout">
          <p>
            <strong>No data for this range yet.</strong> Numbers appear here within seconds of the first recommendation impressions and clicks
            your storefront sends. Add the script tag and a widget (see <Link href={`${base}/integration`}>Integration</Link> and{" "}
            <Link href={`${base}/widgets`}>Widgets</Link>), or widen the range or clear the filters.
          </p>
        </div>
      )}
      <section aria-labelledby="kpis">
        <h2 id="kpis">
          Key figures, {view.from} to {view.to}
        </h2>
        {o ? <KPICards o={o} currency={currency} /> : overview.isPending && <p className="muted">Loading key figures…</p>}
      </section>
      <section aria-labelledby="daily">
        <h2 id="daily">Daily</h2>
        {series.isPending && <p className="muted">Loading the daily series…</p>}
        {points.length > 0 && (
          <>
            <ChartBoundary>
              <Suspense fallback={<div className="chart chart-loading muted">Loading the chart…</div>}>
                <DailyChart points={points} currency={currency} />
              </Suspense>
            </ChartBoundary>
            <details className="chart-table">
              <summary>Daily numbers as a table</summary>
              <DailyTable points={points} currency={currency} />
            </details>
          </>
        )}
      </section>
      <section aria-labelledby="top">
        <h2 id="top">Top products by revenue</h2>
        {top.isPending && <p className="muted">Loading top products…</p>}
        {top.data && products.length === 0 && <p>No product has impressions in this range yet.</p>}
        {products.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Top products by revenue, {view.from} to {view.to}</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Impressions</th>
                  <th scope="col">Clicks</th>
                  <th scope="col">CTR</th>
                  <th scope="col">Conversions</th>
                  <th scope="col">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => (
                  <tr key={p.productId}>
                    <th scope="row">
                      {p.name || <span className="muted">(no longer in the catalog)</span>} <span className="muted small">{p.productId}</span>
                    </th>
                    <td>{count(p.impressions)}</td>
                    <td>{count(p.clicks)}</td>
                    <td>{percent(p.ctr)}</td>
                    <td>{count(p.conversions)}</td>
                    <td>{money(p.revenue, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Export tenantId={tenantId} view={view} />
    </>
  );
}

function Filters({ view, onChange }: { view: View; onChange: (v: View) => void }) {
  const [from, setFrom] = useState(view.from);
  const [to, setTo] = useState(view.to);
  const [placement, setPlacement] = useState(view.placement);
  const [bad, setBad] = useState("");
  const [shown, setShown] = useState(`${view.from}/${view.to}/${view.placement}`);
  // The URL changed (a preset, back/forward): the fields follow it.
  if (shown !== `${view.from}/${view.to}/${view.placement}`) {
    setShown(`${view.from}/${view.to}/${view.placement}`);
    setFrom(view.from);
    setTo(view.to);
    setPlacement(view.placement);
    setBad("");
  }
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const err = customRangeError(from, to);
    setBad(err);
    if (!err) onChange({ ...view, range: "custom", from, to, placement: placement.trim() });
  };
  return (
    <div className="filters">
      <div role="group" aria-label="Date range" className="row presets">
        {presets.map((p) => (
          <button
            key={p.id}
            type="button"
            className={"btn small" + (view.range === p.id ? " primary" : "")}
            aria-pressed={view.range === p.id}
            onClick={() => onChange({ ...view, range: p.id })}
          >
            {p.label}
          </button>
        ))}
      </div>
      <form className="row wrap" onSubmit={apply} noValidate aria-label="Custom range and filters">
        <div className="field">
          <label htmlFor="an-from">From</label>
          <input id="an-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} aria-invalid={bad ? true : undefined} aria-describedby={bad ? "an-range-error" : undefined} />
        </div>
        <div className="field">
          <label htmlFor="an-to">To</label>
          <input id="an-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={bad ? true : undefined} aria-describedby={bad ? "an-range-error" : undefined} />
        </div>
        <div className="field">
          <label htmlFor="an-placement">Placement</label>
          <input id="an-placement" value={placement} onChange={(e) => setPlacement(e.target.value)} placeholder="All placements" maxLength={128} />
        </div>
        <div className="field">
          <label htmlFor="an-strategy">Strategy</label>
          <select id="an-strategy" value={view.strategy} onChange={(e) => onChange({ ...view, strategy: e.target.value })}>
            <option value="">All strategies</option>
            {analyticsStrategies.map((s) => (
              <option key={s} value={s}>
                {s.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn">
          Apply
        </button>
      </form>
      {bad && (
        <p id="an-range-error" className="field-error" role="alert">
          {bad}
        </p>
      )}
    </div>
  );
}

function KPICards({ o, currency }: { o: Overview; currency: string }) {
  return (
    <ul className="kpis">
      {kpiOrder.map((k) => {
        const c = changeText(k, o, currency);
        return (
          <li key={k} className="kpi" data-kpi={k}>
            <span className="kpi-label">{kpiLabels[k]}</span>
            <span className="kpi-value">{formatKPI(k, o.current[k], currency)}</span>
            <span className={`kpi-change ${c.direction}`}>
              <span aria-hidden="true">{c.direction === "down" ? "▼ " : c.direction === "flat" ? "■ " : "▲ "}</span>
              {c.text}
              <span className="sr-only">
                {" "}
                ({o.previousFrom} to {o.previousTo})
              </span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function DailyTable({ points, currency }: { points: DailyPoint[]; currency: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Daily impressions, clicks, conversions and revenue</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Impressions</th>
            <th scope="col">Clicks</th>
            <th scope="col">CTR</th>
            <th scope="col">Conversions</th>
            <th scope="col">Revenue</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.date}>
              <th scope="row">{p.date}</th>
              <td>{count(p.impressions)}</td>
              <td>{count(p.clicks)}</td>
              <td>{percent(p.ctr)}</td>
              <td>{count(p.conversions)}</td>
              <td>{money(p.revenue, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Export({ tenantId, view }: { tenantId: string; view: View }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await downloadCSV(tenantId, view);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="export">
      <h2 id="export">Export</h2>
      <p>Everything on this page for the same range and filters, as one CSV file.</p>
      <button type="button" className="btn" onClick={run} disabled={busy}>
        {busy ? "Exporting…" : "Export CSV"}
      </button>
      <ProblemMessage error={error} />
    </section>
  );
}

/** ChartBoundary keeps a chart that failed to load (its chunk, say) from taking the page: the table is still there. */
class ChartBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    return this.state.failed ? <p className="muted">The chart could not be loaded; the table below has the same numbers.</p> : this.props.children;
  }
}
