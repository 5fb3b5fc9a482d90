// The form of a new experiment. It checks each field as the server would (Zod, see
// form.ts), shows the server's own field errors on the same fields, and shows a 409 (the
// placement is held by another experiment, FR-019) on the placement field. After a failed
// submit, focus goes to the first field at fault.

import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api/client";
import { strategies } from "../../api/schemas";
import { RadioField, SelectField, TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { useFocusFault } from "../../app/focusFault";
import { metricLabels, methodLabels, strategyLabel } from "./format";
import { formFields, validate, type FormValues } from "./form";
import type { ExperimentInput } from "./api";

export function ExperimentForm({
  initial,
  onCreate,
  conflict,
}: {
  initial: FormValues;
  onCreate: (body: ExperimentInput) => Promise<unknown>;
  /** conflict shows what holds the placement after a 409 (a link to that experiment). */
  conflict?: (placement: string) => ReactNode;
}) {
  const [values, setValues] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [conflictOn, setConflictOn] = useState("");
  const form = useRef<HTMLFormElement>(null);

  const check = validate(values);
  const local = submitted && !check.ok ? check.errors : {};
  const api = serverError instanceof ApiError ? serverError : null;
  const server = api?.fieldErrors() ?? {};
  // A 409 names no field, but it is the placement's: another experiment holds it (the
  // message above names which).
  if (api?.status === 409 && !server.placement) server.placement = "Another experiment is running or paused on this placement.";
  const err = (field: string) => local[field] ?? server[field];

  const set = (k: keyof FormValues) => (v: string) => setValues((old) => ({ ...old, [k]: v }));

  // Without a field at fault (an error that names none), focus goes to the message.
  const focusFault = useFocusFault(form, ".problem-wrap, [role=alert]");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setServerError(null);
    if (!check.ok) {
      focusFault();
      return;
    }
    setBusy(true);
    try {
      await onCreate(check.body);
    } catch (error) {
      setServerError(error);
      setConflictOn(check.body.placement ?? "");
      focusFault();
    } finally {
      setBusy(false);
    }
  };

  const nBad = submitted && !check.ok ? Object.keys(check.errors).length : 0;
  const sameStrategy = values.controlStrategy === values.variantStrategy;
  const strategyOptions = strategies.map((s) => ({ value: s, label: strategyLabel(s) }));
  // Fields the server named that the form does not show (none today) still get listed.
  const fieldsShown = Object.keys(server).every((f) => (formFields as readonly string[]).includes(f));

  return (
    <form ref={form} onSubmit={submit} noValidate className="exp-form" aria-label="New experiment">
      {nBad > 0 && (
        <p role="alert" className="problem" tabIndex={-1}>
          {nBad === 1 ? "One field needs fixing." : `${nBad} fields need fixing.`}
        </p>
      )}
      {serverError != null && (
        <div tabIndex={-1} className="problem-wrap">
          <ProblemMessage error={serverError} fieldsShown={fieldsShown} />
        </div>
      )}
      {api?.status === 409 && conflict?.(conflictOn)}
      <TextField label="Name" name="name" value={values.name} onChange={set("name")} error={err("name")} required autoComplete="off" hint="What it tests, e.g. “Collaborative vs trending on product pages”." />
      <TextField
        label="Placement"
        name="placement"
        value={values.placement}
        onChange={set("placement")}
        error={err("placement")}
        required
        autoComplete="off"
        hint="The value of data-recomengine-placement whose shoppers are split. One running or paused experiment per placement."
      />
      <div className="grid2">
        <SelectField label="Control strategy" name="controlStrategy" value={values.controlStrategy} onChange={set("controlStrategy")} error={err("controlStrategy")} options={strategyOptions} hint="What the placement serves today." />
        <SelectField label="Variant strategy" name="variantStrategy" value={values.variantStrategy} onChange={set("variantStrategy")} error={err("variantStrategy")} options={strategyOptions} hint="What you want to try." />
      </div>
      {sameStrategy && (
        <p className="callout small">
          Both arms use the same strategy: an A/A test. It finds no difference unless something is wrong, which makes it a check of the split
          and of your tracking.
        </p>
      )}
      <TextField
        label="Control share (%)"
        name="controlShare"
        inputMode="decimal"
        value={values.controlShare}
        onChange={set("controlShare")}
        error={err("controlShare")}
        hint="Per cent of shoppers in the control arm, 1 to 99; the rest get the variant. 50 detects a difference soonest. Frozen once started."
      />
      <SelectField
        label="Primary metric"
        name="primaryMetric"
        value={values.primaryMetric}
        onChange={set("primaryMetric")}
        error={err("primaryMetric")}
        options={Object.entries(metricLabels).map(([value, label]) => ({ value, label }))}
        hint="The one the verdict is about; the results show the others too."
      />
      <RadioField
        label="Method"
        name="method"
        layout="stack-tight"
        value={values.method}
        onChange={set("method")}
        error={err("method")}
        options={(["sequential", "fixed"] as const).map((m) => ({ value: m, label: methodLabels[m] }))}
      />
      <TextField
        label="Target MDE (%)"
        name="targetMde"
        inputMode="decimal"
        value={values.targetMde}
        onChange={set("targetMde")}
        error={err("targetMde")}
        hint="Optional. The smallest relative lift worth detecting, e.g. 10 for 10 %; the results then say how many days are left."
      />
      <div className="row">
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? "Creating…" : "Create experiment"}
        </button>
      </div>
    </form>
  );
}
