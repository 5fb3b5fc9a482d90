// Widgets: the tenant's configured placements, a way to configure a new one, and the form
// of one placement with its live preview.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { getWidget, listWidgets, putWidget, type WidgetInput } from "../../api/endpoints";
import { TextField } from "../../app/Field";
import { usePaged } from "../../app/paged";
import { ProblemMessage } from "../../app/Problem";
import { Link, navigate } from "../../router";
import { WidgetForm } from "./WidgetForm";
import { WidgetPreview } from "./WidgetPreview";
import { toForm, type FormValues } from "./widgetSchema";
import { ShowMore } from "../../app/ShowMore";

const placementRule = /^[\x20-\x7e\u00a0-\uffff]{1,128}$/;

export function WidgetsPage({ tenantId }: { tenantId: string }) {
  const { query: widgets, items: list, total, hasMore, more, loadingMore } = usePaged(["widgets", tenantId], (offset) => listWidgets(tenantId, offset));
  const [placement, setPlacement] = useState("product-page");
  const [bad, setBad] = useState("");
  const base = `/tenants/${encodeURIComponent(tenantId)}/widgets/`;
  const open = (e: FormEvent) => {
    e.preventDefault();
    const p = placement.trim();
    if (!placementRule.test(p) || new TextEncoder().encode(p).length > 128) {
      setBad("A placement is 1 to 128 printable characters, as in data-recomengine-placement.");
      return;
    }
    navigate(base + encodeURIComponent(p));
  };
  return (
    <>
      <section aria-labelledby="placements">
        <h2 id="placements">Configured placements</h2>
        <ProblemMessage error={widgets.error} />
        {widgets.isPending && <p className="muted">Loading widgets…</p>}
        {widgets.data && list.length === 0 && <p>No placement is configured yet: every widget shows the defaults (a 4-column grid).</p>}
        {list.length > 0 && (
          <ul className="cards">
            {list.map((w) => (
              <li key={w.placement} className="card">
                <Link href={base + encodeURIComponent(w.placement)} className="card-title">
                  {w.placement}
                </Link>
                <span className="muted small">
                  {w.layout}, {w.columns} columns, “{w.ctaText}”
                </span>
              </li>
            ))}
          </ul>
        )}
        {hasMore && <ShowMore shown={list.length} total={total} noun="placements" loading={loadingMore} onMore={more} />}
      </section>
      <section aria-labelledby="configure">
        <h2 id="configure">Configure a placement</h2>
        <form onSubmit={open} noValidate className="row wrap">
          <TextField
            label="Placement"
            name="placement"
            value={placement}
            onChange={(v) => {
              setPlacement(v);
              setBad("");
            }}
            error={bad}
            hint="The value of data-recomengine-placement on your page."
          />
          <button type="submit" className="btn primary">
            Configure
          </button>
        </form>
      </section>
    </>
  );
}

export function WidgetPage({ tenantId, placement }: { tenantId: string; placement: string }) {
  const queries = useQueryClient();
  const widget = useQuery({ queryKey: ["widget", tenantId, placement], queryFn: () => getWidget(tenantId, placement) });
  const [values, setValues] = useState<FormValues | null>(null);
  const save = useMutation({
    mutationFn: (body: WidgetInput) => putWidget(tenantId, placement, body),
    onSuccess: (res) => {
      queries.setQueryData(["widget", tenantId, placement], res);
      void queries.invalidateQueries({ queryKey: ["widgets", tenantId] });
    },
  });
  if (widget.isPending) return <p className="muted">Loading the widget…</p>;
  if (widget.isError) return <ProblemMessage error={widget.error} />;
  const initial = toForm(widget.data.data);
  return (
    <>
      <p>
        <Link href={`/tenants/${encodeURIComponent(tenantId)}/widgets`}>All placements</Link>
        {!widget.data.data.updatedAt && <span className="muted"> · not configured yet: these are the defaults</span>}
      </p>
      <div className="widget-editor">
        <section aria-labelledby="settings">
          <h2 id="settings">Settings</h2>
          <WidgetForm initial={initial} onChange={setValues} onSave={(body) => save.mutateAsync(body)} />
        </section>
        <section aria-labelledby="preview-title" className="preview-col">
          <h2 id="preview-title">Preview</h2>
          <WidgetPreview tenantId={tenantId} placement={placement} values={values ?? initial} />
        </section>
      </div>
    </>
  );
}
