// The form of one placement's widget. It checks each field as the server would (Zod, see
// widgetSchema.ts), shows the server's own field errors on the same fields, and reports
// every change so the preview beside it redraws.

import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import type { WidgetInput } from "../../api/endpoints";
import { strategies } from "../../api/schemas";
import { CheckboxField, RadioField, SelectField, TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { useFocusFault } from "../../app/focusFault";
import { validate, type FormValues } from "./widgetSchema";

const strategyLabels: Record<string, string> = {
  collaborative: "Collaborative (people like you)",
  content_based: "Content based (similar products)",
  trending: "Trending",
  frequently_bought_together: "Frequently bought together",
};

export function WidgetForm({
  initial,
  onChange,
  onSave,
}: {
  initial: FormValues;
  onChange?: (v: FormValues) => void;
  onSave: (body: WidgetInput) => Promise<unknown>;
}) {
  const [values, setValues] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const focusFault = useFocusFault(form);

  const check = validate(values);
  const local = submitted && !check.ok ? check.errors : {};
  const server = serverError instanceof ApiError ? serverError.fieldErrors() : {};
  const err = (field: string) => local[field] ?? server[field];

  const set = <K extends keyof FormValues>(k: K) => (v: FormValues[K]) => {
    const next = { ...values, [k]: v };
    setValues(next);
    setSaved("");
    onChange?.(next);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSubmitted(true);
    setServerError(null);
    if (!check.ok) {
      focusFault();
      return;
    }
    setSaving(true);
    try {
      await onSave(check.body);
      setSaved("Saved. Shops show the change within a minute.");
      setSubmitted(false);
    } catch (err) {
      setServerError(err);
      focusFault();
    } finally {
      setSaving(false);
    }
  };
  const nBad = submitted && !check.ok ? Object.keys(check.errors).length : 0;

  return (
    <form ref={form} onSubmit={submit} noValidate className="widget-form">
      {nBad > 0 && (
        <p role="alert" className="problem">
          {nBad === 1 ? "One field needs fixing." : `${nBad} fields need fixing.`}
        </p>
      )}
      <ProblemMessage error={serverError} fieldsShown={Object.keys(server).length > 0} />
      <RadioField
        label="Layout"
        name="layout"
        value={values.layout}
        onChange={set("layout")}
        error={err("layout")}
        options={[
          { value: "grid", label: "Grid" },
          { value: "carousel", label: "Carousel" },
        ]}
      />
      <div className="grid2">
        <TextField label="Columns" name="columns" inputMode="numeric" value={values.columns} onChange={set("columns")} error={err("columns")} hint="1 to 6 cards per row or in view." />
        <TextField label="Number of products" name="itemCount" inputMode="numeric" value={values.itemCount} onChange={set("itemCount")} error={err("itemCount")} hint="1 to 20." />
      </div>
      <TextField label="Title" name="title" value={values.title} onChange={set("title")} error={err("title")} hint="Shown above the cards; at most 80 characters. Leave empty for none." />
      <TextField label="Button text" name="ctaText" value={values.ctaText} onChange={set("ctaText")} error={err("ctaText")} hint="1 to 40 characters." />
      <CheckboxField label="Show prices" name="showPrice" checked={values.showPrice} onChange={set("showPrice")} error={err("showPrice")} />
      <SelectField
        label="Strategy"
        name="strategy"
        value={values.strategy}
        onChange={set("strategy")}
        error={err("strategy")}
        options={[{ value: "", label: "Tenant default" }, ...strategies.map((s) => ({ value: s, label: strategyLabels[s] }))]}
      />
      <fieldset className="field">
        <legend>Theme</legend>
        <div className="grid2">
          <ColorField label="Primary colour" name="primaryColor" value={values.primaryColor} onChange={set("primaryColor")} error={err("theme.primaryColor")} />
          <ColorField label="Text colour" name="textColor" value={values.textColor} onChange={set("textColor")} error={err("theme.textColor")} />
          <ColorField label="Background colour" name="backgroundColor" value={values.backgroundColor} onChange={set("backgroundColor")} error={err("theme.backgroundColor")} />
          <TextField label="Corner radius (px)" name="borderRadius" inputMode="numeric" value={values.borderRadius} onChange={set("borderRadius")} error={err("theme.borderRadius")} hint="0 to 32." />
        </div>
      </fieldset>
      <div className="row">
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? "Saving…" : "Save widget"}
        </button>
        <span role="status">{saved}</span>
      </div>
    </form>
  );
}

function ColorField(props: { label: string; name: string; value: string; onChange: (v: string) => void; error?: string }) {
  const valid = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(props.value);
  return (
    <div className="color-field">
      <TextField {...props} hint="Hex, e.g. #1a56db." />
      <span className="swatch" aria-hidden="true" ref={(el) => el?.style.setProperty("--swatch", valid ? props.value : "transparent")} />
    </div>
  );
}
