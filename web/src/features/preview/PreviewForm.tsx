// The preview's form: a user id (required), strategy, seed product, placement and limit.
// Errors (its own, or the server's field errors) sit on the fields; focus goes to the first.

import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { strategies } from "../../api/schemas";
import { SelectField, TextField } from "../../app/Field";
import { useFocusFault } from "../../app/focusFault";
import { strategyLabels } from "../../app/format";
import { maxLimit, validatePreview, type PreviewErrors, type PreviewForm as Values } from "./query";

const fields = ["userId", "strategy", "productId", "placement", "limit"] as const;

export function PreviewForm({ initial, onSubmit, serverError }: { initial: Values; onSubmit: (v: Values) => void; serverError?: unknown }) {
  const [v, setV] = useState(initial);
  const [errors, setErrors] = useState<PreviewErrors>({});
  const [shown, setShown] = useState(initial);
  const form = useRef<HTMLFormElement>(null);
  const focusFault = useFocusFault(form);
  // The URL changed (back/forward, a shared link): the fields follow it.
  if (fields.some((k) => shown[k] !== initial[k])) {
    setShown(initial);
    setV(initial);
    setErrors({});
  }
  const server = serverError instanceof ApiError ? serverError.fieldErrors() : {};
  const err = (k: (typeof fields)[number]) => errors[k] ?? server[k];
  const set = (k: (typeof fields)[number]) => (value: string) => setV((old) => ({ ...old, [k]: value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validatePreview(v);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFault();
      return;
    }
    onSubmit(v);
  };

  return (
    <form ref={form} className="preview-form" onSubmit={submit} noValidate aria-label="Preview recommendations">
      <TextField label="User id" name="userId" value={v.userId} onChange={set("userId")} error={err("userId")} required autoComplete="off" hint="As your storefront sends it in events, e.g. user-123." />
      <SelectField
        label="Strategy"
        name="strategy"
        value={v.strategy}
        onChange={set("strategy")}
        error={err("strategy")}
        options={[{ value: "", label: "Tenant default" }, ...strategies.map((s) => ({ value: s, label: strategyLabels[s] }))]}
      />
      <TextField label="Product id (optional)" name="productId" value={v.productId} onChange={set("productId")} error={err("productId")} autoComplete="off" hint="The product being viewed, as a seed." />
      <TextField label="Placement (optional)" name="placement" value={v.placement} onChange={set("placement")} error={err("placement")} autoComplete="off" hint="Experiments are per placement; “default” when empty." />
      <TextField label="Number of results" name="limit" value={v.limit} onChange={set("limit")} error={err("limit")} inputMode="numeric" hint={`1 to ${maxLimit}.`} />
      <div className="preview-submit">
        <button type="submit" className="btn primary">
          Preview
        </button>
      </div>
    </form>
  );
}
