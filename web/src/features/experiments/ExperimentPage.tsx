// One experiment: its design and status, the lifecycle buttons its status allows (start,
// pause, resume, complete after a confirmation, since it is final; a draft may be completed
// without starting), its name and target MDE (the only fields that may change once
// started), and its results. The tab's title names the experiment.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { getTenant } from "../../api/endpoints";
import { ConfirmDialog } from "../../app/ConfirmDialog";
import { TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { useFocusFault } from "../../app/focusFault";
import { percent } from "../../app/format";
import { Link } from "../../router";
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
  // n counts the notices, so the same text twice (pause, resume, pause) is focused again.
  const [notice, setNotice] = useState({ text: "", n: 0 });
  const [confirming, setConfirming] = useState(false);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const list = `/tenants/${encodeURIComponent(tenantId)}/experiments`;
  useExperimentTitle(exp.data?.data.name, tenant.data?.data.name);

  // Whether the confirmation is still in the page: React Aria keeps it a render longer than
  // `confirming` (its exit animation), and contains focus while it is there.
  const [dialogShown, setDialogShown] = useState(false);
  const noticeFocused = useRef(0);

  // The button pressed is gone (Start becomes Pause and Complete): focus goes to the notice
  // that says what happened, once React has drawn the new buttons and the confirmation is
  // gone: while it is there, its focus containment would pull focus back, and focus would be
  // lost when it unmounts. Each notice once, so cancelling a later confirmation leaves focus
  // to React Aria (back to the button that opened it). Focused at once, not in a frame:
  // React Aria's own restore, a frame after the dialog unmounts, acts only if focus is on
  // the body, so it leaves the notice focused.
  useEffect(() => {
    if (notice.n <= noticeFocused.current || confirming || dialogShown) return;
    noticeFocused.current = notice.n;
    noticeRef.current?.focus();
  }, [notice, confirming, dialogShown]);

  const saved = (e: Experiment) => {
    queries.setQueryData(key, { data: e });
    void queries.invalidateQueries({ queryKey: ["experiments", tenantId] });
  };
  const move = useMutation({
    mutationFn: (a: Action) => moveExperiment(tenantId, experimentId, a.move),
    onSuccess: (res, a) => {
      saved(res.data);
      setConfirming(false);
      setNotice((old) => ({ text: a.done(res.data.placement), n: old.n + 1 }));
      void queries.invalidateQueries({ queryKey: ["experimentResults", tenantId, experimentId] });
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
  const complete = actions.find((a) => a.move === "complete" && a.confirm);
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
        {notice.text}
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
          <p className="muted">
            {e.startedAt ? `Completed on ${when(e.endedAt)}: final, its results stay as they are.` : `Completed on ${when(e.endedAt)} without being started: it never ran, so it has no results.`}
          </p>
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

      {complete?.confirm && (
        <ConfirmDialog
          open={confirming}
          title={complete.confirm.title(e.name)}
          confirmLabel={complete.confirm.button}
          busy={move.isPending}
          onConfirm={() => move.mutate(complete)}
          onCancel={() => {
            setConfirming(false);
            move.reset();
          }}
        >
          <p>{complete.confirm.body(e.placement)}</p>
          <Presence onChange={setDialogShown} />
          <ProblemMessage error={move.error} />
        </ConfirmDialog>
      )}
    </>
  );
}

function lifecycleHint(e: Experiment) {
  switch (e.status) {
    case "draft":
      return `Starting splits the shoppers of placement “${e.placement}” between the arms. The design is frozen from then on. Completing it without starting sets it aside for good: it stays in the list as completed.`;
    case "running":
      return "Pausing serves the tenant’s default strategy on the placement and assigns nobody new, until you resume. Completing ends the experiment for good.";
    case "paused":
      return "Paused: the placement serves the tenant’s default strategy and still belongs to this experiment until it is completed.";
    case "completed":
      return "";
  }
}

/** Presence tells, from inside the confirmation, whether it is in the page. */
function Presence({ onChange }: { onChange: (shown: boolean) => void }) {
  useEffect(() => {
    onChange(true);
    return () => onChange(false);
  }, [onChange]);
  return null;
}

/**
 * useExperimentTitle names the experiment in the tab's title once it is loaded: "Experiment:
 * {name} · {tenant} · RecomEngine", as a product's or a widget's page does. TenantLayout sets
 * "Experiment · {tenant} · RecomEngine" with useTitle, in an effect that can run after this
 * one: a parent's effects run after its children's, and the layout may learn the tenant's
 * name a render later than this page (React Query tells its observers in a later batch). So
 * while the page is shown, any other title set is noted and replaced by ours; on leaving,
 * the last one noted (the layout's) is put back.
 */
function useExperimentTitle(name: string | undefined, tenantName: string | undefined) {
  const title = name ? [`Experiment: ${name}`, tenantName, "RecomEngine"].filter(Boolean).join(" · ") : "";
  useEffect(() => {
    if (!title) return;
    let other = document.title;
    document.title = title;
    const watch = new MutationObserver(() => {
      if (document.title === title) return;
      other = document.title;
      document.title = title;
    });
    watch.observe(document.head, { childList: true, subtree: true, characterData: true });
    return () => {
      watch.disconnect();
      if (document.title === title) document.title = other;
    };
  }, [title]);
}

/** EditForm changes the name and target MDE, the fields that may change once started. */
export function EditForm({ e, onSave }: { e: Experiment; onSave: (body: ExperimentInput) => Promise<unknown> }) {
  const initial: EditValues = { name: e.name, targetMde: toPerCent(e.targetMde) };
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const focusFault = useFocusFault(form);
  const server = serverError instanceof ApiError ? serverError.fieldErrors() : {};
  const err = (k: string) => errors[k] ?? server[k];
  const hasTarget = e.targetMde != null;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setDone("");
    setServerError(null);
    const check = validateEdit(v, hasTarget);
    setErrors(check.ok ? {} : check.errors);
    if (!check.ok) {
      focusFault();
      return;
    }
    setBusy(true);
    try {
      await onSave(check.body);
      setDone("Saved.");
    } catch (error) {
      setServerError(error);
      focusFault();
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
          inputMode="decimal"
          value={v.targetMde}
          onChange={(targetMde) => setV({ ...v, targetMde })}
          error={err("targetMde")}
          hint={hasTarget ? "The smallest relative lift worth detecting, in per cent. It can be changed, not removed." : "Optional. The smallest relative lift worth detecting, e.g. 10 for 10 %."}
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
