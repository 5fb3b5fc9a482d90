// Experiments (US4, DESIGN §5): the tenant's A/B tests of two strategies on a placement,
// newest first with a status filter (in the URL: ?status=running), the form of a new one,
// and (ExperimentPage.tsx) one experiment with its lifecycle and results.

import { useQueryClient } from "@tanstack/react-query";
import { usePaged } from "../../app/paged";
import { ProblemMessage } from "../../app/Problem";
import { ShowMore } from "../../app/ShowMore";
import { Link, navigate, useSearch } from "../../router";
import { createExperiment, experimentStatuses, listExperiments, type ExperimentStatus } from "./api";
import { ExperimentForm } from "./ExperimentForm";
import { newExperiment } from "./form";
import { day, metricLabel, split, statusLabels, strategyLabel } from "./format";
import { PlacementHolder } from "./PlacementHolder";
import "./experiments.css";

export { ExperimentPage } from "./ExperimentPage";

const base = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}/experiments`;

/** statusFilter reads ?status= from the query string; anything else is no filter. */
export function statusFilter(search: string): ExperimentStatus | "" {
  const s = new URLSearchParams(search).get("status") ?? "";
  return (experimentStatuses as readonly string[]).includes(s) ? (s as ExperimentStatus) : "";
}

export function ExperimentsPage({ tenantId }: { tenantId: string }) {
  const status = statusFilter(useSearch());
  const { query, items, total, hasMore, more, loadingMore } = usePaged(["experiments", tenantId, status], (offset) =>
    listExperiments(tenantId, offset, { status: status || undefined }),
  );
  const setStatus = (s: string) => navigate(location.pathname + (s ? `?status=${s}` : ""));
  return (
    <>
      <p className="narrow">
        An experiment splits the shoppers of one placement between two strategies, and says with statistics whether the variant does
        better than the control.
      </p>
      <div className="row wrap exp-toolbar">
        <Link href={`${base(tenantId)}/new`} className="btn primary">
          New experiment
        </Link>
        <div className="field">
          <label htmlFor="exp-status-filter">Status</label>
          <select id="exp-status-filter" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All statuses</option>
            {experimentStatuses.map((s) => (
              <option key={s} value={s}>
                {statusLabels[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <section aria-labelledby="exp-list-title">
        <h2 id="exp-list-title">{status ? `${statusLabels[status]} experiments` : "All experiments"}</h2>
        <ProblemMessage error={query.error} />
        {query.isPending && <p className="muted">Loading experiments…</p>}
        {query.data && items.length === 0 &&
          (status ? (
            <p>
              No {statusLabels[status].toLowerCase()} experiment. <Link href={base(tenantId)}>Show all experiments</Link>.
            </p>
          ) : (
            <div className="callout" data-testid="exp-empty">
              <p>
                <strong>No experiments yet.</strong> Create one to compare two strategies on a placement, for example collaborative
                filtering against trending on your product pages: pick the placement, the two strategies and the metric, then start it.
                Results appear as shoppers are served.
              </p>
              <p>
                <Link href={`${base(tenantId)}/new`}>New experiment</Link>
              </p>
            </div>
          ))}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="exp-list">
              <caption className="sr-only">Experiments of this tenant, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Placement</th>
                  <th scope="col">Control vs variant</th>
                  <th scope="col">Split</th>
                  <th scope="col">Metric</th>
                  <th scope="col">Status</th>
                  <th scope="col">Dates</th>
                </tr>
              </thead>
              <tbody>
                {items.map((x) => (
                  <tr key={x.id}>
                    <th scope="row">
                      <Link href={`${base(tenantId)}/${encodeURIComponent(x.id)}`}>{x.name}</Link>
                    </th>
                    <td>
                      <code>{x.placement}</code>
                    </td>
                    <td>
                      {strategyLabel(x.controlStrategy)} vs {strategyLabel(x.variantStrategy)}
                    </td>
                    <td>{split(x.controlShare)}</td>
                    <td>{metricLabel(x.primaryMetric)}</td>
                    <td>
                      <span className={`badge exp-status ${x.status}`}>{statusLabels[x.status]}</span>
                    </td>
                    <td className="exp-dates">
                      <span>Created {day(x.createdAt)}</span>
                      {x.startedAt && <span>Started {day(x.startedAt)}</span>}
                      {x.endedAt && <span>Ended {day(x.endedAt)}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {hasMore && <ShowMore shown={items.length} total={total} noun="experiments" loading={loadingMore} onMore={more} />}
      </section>
    </>
  );
}

export function NewExperimentPage({ tenantId }: { tenantId: string }) {
  const queries = useQueryClient();
  return (
    <>
      <p>
        <Link href={base(tenantId)}>All experiments</Link>
      </p>
      <p className="narrow">
        It starts as a draft: nothing changes for shoppers until you start it. Once started, only its name and target MDE can change.
      </p>
      <ExperimentForm
        initial={newExperiment}
        onCreate={async (body) => {
          const res = await createExperiment(tenantId, body);
          queries.setQueryData(["experiment", tenantId, res.data.id], res);
          void queries.invalidateQueries({ queryKey: ["experiments", tenantId] });
          navigate(`${base(tenantId)}/${encodeURIComponent(res.data.id)}`);
        }}
        conflict={(placement) => <PlacementHolder tenantId={tenantId} placement={placement} />}
      />
    </>
  );
}
