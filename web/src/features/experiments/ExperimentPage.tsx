// One experiment: its design and status, the lifecycle buttons its status allows (start,
// pause, resume, complete after a confirmation, since it is final), its name and target
// MDE (the only fields that may change once started), and its results.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { getTenant } from "../../api/endpoints";
import { ConfirmDialog } from "../../app/ConfirmDialog";
import { TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { Link } from "../../router";
import { percent } from "../analytics/format";
import { getExperiment, moveExperiment, updateExperiment, type Experiment, type ExperimentInput } from "./api";
import { metricLabel, split, statusLabels, strategyLabel, when } from "./format";
import { toPerCent, validateEdit, type EditValues } from "./form";
import { actionsFor, type Action } from "./lifecycle";
import { PlacementHolder } from "./PlacementHolder";
import { Results } from "./Results";
import "./experiments.css";

export function ExperimentPage({ tenantId, experimentId }: { tenantId: string; experimentId: string }) {
  const queries = useQueryClient();
  const key = ["experiment", tenantId, experimentId];
  const exp = useQuery({ queryKey: key, queryFn: () => getExperiment(tenantId, experimentId) });
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const currency = tenant.data?.data.config.currency || "USD";
  const [notice, setNotice] = useState("");
  const [confirming, setConfirming] = useState(false);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const list = `/tenants/${encodeURIComponent(tenantId)}/experiments`;

  const saved = (e: Experiment) => {
    queries.setQueryData(key, { data: e });
    void queries.invalidateQueries({ queryKey: ["experiments", tenantId] });
  };
  const move = useMutation({
    mutationFn: (a: Action) => moveExperiment(tenantId, experimentId, a.move),
    onSuccess: (res, a) => {
      saved(res.data);
      setConfirming(false);
      setNotice(a.done(res.data.placement));
      void queries.invalidateQueries({ queryKey: ["experimentResults", tenantId, experimentId] });
      // The button pressed is gone (Start becomes Pause and Complete): focus goes to the
      // notice that says what happened, once the new buttons are drawn and a closing
      // confirmation has given focus back to its (gone) trigger, a frame later.
      requestAnimationFrame(() => requestAnimationFrame(() => noticeRef.current?.focus()));
    },
  });

  if (exp.isPending) return <p className="muted">Loading the experiment…</p>;
  if (exp.isError)
    return (
      <>
        <ProblemMessage error={exp.error} />
        <p>
          <Link href={list}>All experiments</Link>
        </p>
      </>
    );
  const e = exp.data.data;
  const actions = actionsFor(e.status);
  const complete = actions.find((a) => a.move === "complete");
  const conflict = move.error instanceof ApiError && move.error.status === 409 && move.variables?.move === "start";

  return (
    <>
      <p>
        <Link href={list}>All experiments</Link>
      </p>
      <div className="exp-title">
        <h2>{e.name}</h2>
        <span className={`badge exp-status ${e.status}`}>{statusLabels[e.status]}</span>
      </div>
      <p role="status" className="notice" ref={noticeRef} tabIndex={-1}>
        {notice}
      </p>

      <section aria-labelledby="lifecycle-title">
        <h3 id="lifecycle-title" className="sr-only">
          Lifecycle
        </h3>
        {actions.length > 0 ? (
          <div className="row" role="group" aria-label="Lifecycle">
            {actions.map((a, i) => (
              <button
                key={a.label}
                type="button"
                className={`btn${a.move === "complete" ? " danger" : i === 0 ? " primary" : ""}`}
                disabled={move.isPending}
                onClick={() => {
                  move.reset();
                  if (a.move === "complete") setConfirming(true);
                  else move.mutate(a);
                }}
              >
                {a.label}
              </button>
            ))}
          </div>
        ) : (
          <p className="muted">Completed on {when(e.endedAt)}: final, its results stay as they are.</p>
        )}
        {!confirming && <ProblemMessage error={move.error} />}
        {!confirming && conflict && <PlacementHolder tenantId={tenantId} placement={e.placement} exclude={e.id} />}
        {e.status !== "completed" && <p className="muted small">{lifecycleHint(e)}</p>}
      </section>

      <section aria-labelledby="design-title">
        <h3 id="design-title">Design</h3>
        <dl className="exp-design">
          <dt>Placement</dt>
          <dd>
            <code>{e.placement}</code>
          </dd>
          <dt>Control</dt>
          <dd>{strategyLabel(e.controlStrategy)}</dd>
          <dt>Variant</dt>
          <dd>{strategyLabel(e.variantStrategy)}</dd>
          <dt>Split</dt>
          <dd>{split(e.controlShare)}</dd>
          <dt>Primary metric</dt>
          <dd>{metricLabel(e.primaryMetric)}</dd>
          <dt>Method</dt>
          <dd>{e.method === "fixed" ? "Fixed horizon" : "Sequential"}</dd>
          <dt>Target MDE</dt>
          <dd>{e.targetMde != null ? percent(e.targetMde) : "None"}</dd>
          <dt>Created</dt>
          <dd>{when(e.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{when(e.startedAt)}</dd>
          <dt>Ended</dt>
          <dd>{when(e.endedAt)}</dd>
        </dl>
        <EditForm e={e} onSave={(body) => updateExperiment(tenantId, e.id, body).then((res) => saved(res.data))} />
      </section>

      <Results tenantId={tenantId} experiment={e} currency={currency} />

      {complete && (
        <ConfirmDialog
          open={confirming}
          title={`Complete “${e.name}”?`}
          confirmLabel="Complete experiment"
          busy={move.isPending}
          onConfirm={() => move.mutate(complete)}
          onCancel={() => {
            setConfirming(false);
            move.reset();
          }}
        >
          <p>
            Completing is final: nobody more is assigned, the experiment cannot be started again, and its results stay as of today. Placement “
            {e.placement}” becomes free for a new experiment.
          </p>
          <ProblemMessage error={move.error} />
        </ConfirmDialog>
      )}
    </>
  );
}

function lifecycleHint(e: Experiment) {
  switch (e.status) {
    case "draft":
      return `Starting splits the shoppers of placement “${e.placement}” between the arms. The design is frozen from then on.`;
    case "running":
      return "Pausing serves the tenant’s default strategy on the placement and assigns nobody new, until you resume. Completing ends the experiment for good.";
    case "paused":
      return "Paused: the placement serves the tenant’s default strategy and still belongs to this experiment until it is completed.";
    case "completed":
      return "";
  }
}

/** EditForm changes the name and target MDE, the fields that may change once started. */
function EditForm({ e, onSave }: { e: Experiment; onSave: (body: ExperimentInput) => Promise<unknown> }) {
  const initial: EditValues = { name: e.name, targetMde: toPerCent(e.targetMde) };
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const server = serverError instanceof ApiError ? serverError.fieldErrors() : {};
  const err = (k: string) => errors[k] ?? server[k];
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setDone("");
    setServerError(null);
    const check = validateEdit(v);
    setErrors(check.ok ? {} : check.errors);
    const focus = () => requestAnimationFrame(() => form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
    if (!check.ok) return focus();
    setBusy(true);
    try {
      await onSave(check.body);
      setDone("Saved.");
    } catch (error) {
      setServerError(error);
      focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="exp-edit">
      <summary>Rename, or change the target MDE</summary>
      <form ref={form} onSubmit={submit} noValidate className="exp-form" aria-label="Name and target MDE">
        <ProblemMessage error={serverError} fieldsShown={Object.keys(server).every((k) => k === "name" || k === "targetMde")} />
        <TextField label="Experiment name" name="name" value={v.name} onChange={(name) => setV({ ...v, name })} error={err("name")} autoComplete="off" />
        <TextField
          label="Target MDE (%)"
          name="targetMde"
          inputMode="numeric"
          value={v.targetMde}
          onChange={(targetMde) => setV({ ...v, targetMde })}
          error={err("targetMde")}
          hint={e.targetMde != null ? "The smallest relative lift worth detecting, in per cent. It can be changed, not removed." : "Optional. The smallest relative lift worth detecting, e.g. 10 for 10 %."}
        />
        <div className="row">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </button>
          <span role="status">{done}</span>
        </div>
      </form>
    </details>
  );
}
