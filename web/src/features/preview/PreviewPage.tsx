// The recommendation preview (DESIGN §8): try a user id, see the ranked results, their
// scores and reasons, and which strategy answered. The form is in the URL query.

import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import { getTenant, recommendationPreview } from "../../api/endpoints";
import type { PreviewItem, PreviewList } from "../../api/schemas";
import { ProblemMessage } from "../../app/Problem";
import { money, safeHref, strategyLabels } from "../../app/format";
import { navigate, useSearch } from "../../router";
import { PreviewForm } from "./PreviewForm";
import { parsePreview, previewSearch, toQuery } from "./query";

export function PreviewPage({ tenantId }: { tenantId: string }) {
  const search = useSearch();
  const form = parsePreview(search);
  const q = toQuery(form);
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const preview = useQuery({
    queryKey: ["preview", tenantId, q],
    queryFn: () => recommendationPreview(tenantId, q!),
    enabled: q !== null,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const coldMin = tenant.data?.data.config.coldStartMinEvents;
  const data = preview.data;
  const fieldsShown = preview.error instanceof ApiError && Object.keys(preview.error.fieldErrors()).length > 0;

  let status = "";
  if (q && preview.isFetching) status = `Loading recommendations for ${q.userId}…`;
  else if (q && data) status = `${data.data.length} ${data.data.length === 1 ? "recommendation" : "recommendations"} for ${q.userId} (${data.meta.strategy})`;
  else if (q && preview.isError) status = `The preview for ${q.userId} failed.`;

  return (
    <>
      <p className="narrow">
        See what a shopper would be shown: the same engine path as your storefront's calls, with each product's score and the reason for
        it.
      </p>
      <PreviewForm initial={form} onSubmit={(v) => navigate(location.pathname + previewSearch(v))} serverError={preview.error} />
      <p role="status" aria-live="polite" className="muted small">
        {status}
      </p>
      {preview.isError && <ProblemMessage error={preview.error} fieldsShown={fieldsShown} />}
      {q === null && !form.userId && <p className="muted">Enter a user id to see their recommendations.</p>}
      {data && q && <Results list={data} userId={q.userId} coldMin={coldMin} />}
    </>
  );
}

function Results({ list, userId, coldMin }: { list: PreviewList; userId: string; coldMin?: number }) {
  const { meta, data } = list;
  const label = strategyLabels[meta.strategy] ?? meta.strategy;
  return (
    <section aria-labelledby="preview-results">
      <h2 id="preview-results">Recommendations for {userId}</h2>
      <p className="preview-meta" data-testid="preview-meta">
        Answered by <strong>{label}</strong> <code>{meta.strategy}</code> on placement <code>{meta.placement}</code>.{" "}
        {meta.isFallback
          ? `This is the cold-start fallback: the user has interacted with fewer than ${coldMin ?? "the tenant's minimum number of"} products (the tenant's coldStartMinEvents), so trending products are shown instead.`
          : "Not the cold-start fallback."}{" "}
        {meta.cached ? "Served from the cache." : "Computed now, not cached."}
        {meta.experimentId && ` Experiment ${meta.experimentId}, ${meta.variant ?? "unknown"} variant.`}
      </p>
      {data.length === 0 ? (
        <div className="callout">
          <p>
            <strong>No recommendations.</strong> The catalog may be empty or every product filtered out (unavailable, or already bought).
            Add products to the catalog, send events, or try another strategy.
          </p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="preview-table">
            <caption className="sr-only">
              Recommendations for {userId}, best first
            </caption>
            <thead>
              <tr>
                <th scope="col">Rank</th>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Category</th>
                <th scope="col">Score</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.map((item, i) => (
                <Row key={item.productId} item={item} rank={i + 1} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const score = (n: number) => new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);

function Row({ item, rank }: { item: PreviewItem; rank: number }) {
  const href = safeHref(item.url);
  const s = Math.min(1, Math.max(0, item.score));
  return (
    <tr>
      <td>{rank}</td>
      <th scope="row">
        {href ? <a href={href}>{item.name}</a> : item.name} <span className="muted small">{item.productId}</span>
      </th>
      <td>{item.price !== undefined ? money(item.price, item.currency || "USD") : <span className="muted">—</span>}</td>
      <td>{item.category || <span className="muted">—</span>}</td>
      <td className="score">
        <span className="score-value">{score(item.score)}</span>
        <meter min={0} max={1} value={s} aria-label={`Score ${score(item.score)} of 1`}>
          {score(item.score)} of 1
        </meter>
      </td>
      <td>{item.reason}</td>
    </tr>
  );
}
