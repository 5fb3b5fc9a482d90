// The form of one product (create or edit). It checks each field as the server would (Zod,
// see productSchema.ts), shows the server's own field errors on the same fields, and moves
// focus to the first field at fault either way.

import { useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api/client";
import { CheckboxField, TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { useFocusFault } from "../../app/focusFault";
import type { ProductFields, ProductInput } from "./api";
import { limits, validate, type FormValues } from "./productSchema";

// The fields this form draws (productId only when creating).
const formFields = ["name", "category", "brand", "price", "currency", "imageUrl", "url", "description", "attributes", "available"];

type Props =
  | { create: true; initial: FormValues; onSave: (body: ProductInput) => Promise<string | void>; children?: ReactNode }
  | { create: false; initial: FormValues; onSave: (body: ProductFields) => Promise<string | void>; children?: ReactNode };

export function ProductForm(props: Props) {
  const { create, initial, children } = props;
  const [values, setValues] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const focusFault = useFocusFault(form);

  const check = create ? validate(values, true) : validate(values, false);
  const local = submitted && !check.ok ? check.errors : {};
  const server = serverError instanceof ApiError ? serverError.fieldErrors() : {};
  const err = (field: string): string | undefined => {
    if (field !== "attributes" || local[field]) return local[field] ?? server[field];
    // The server names an attribute's value "attributes.color": show each on the JSON field.
    const said = Object.keys(server)
      .filter((f) => f === "attributes" || f.startsWith("attributes."))
      .map((f) => (f === "attributes" ? server[f] : `${f.slice("attributes.".length)}: ${server[f]}`));
    return said.length ? said.join(" ") : undefined;
  };

  const set =
    <K extends keyof FormValues>(k: K) =>
    (v: FormValues[K]) => {
      setValues((prev) => ({ ...prev, [k]: v }));
      setSaved("");
    };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSubmitted(true);
    setServerError(null);
    setSaved("");
    if (!check.ok) {
      focusFault();
      return;
    }
    setSaving(true);
    try {
      const said = props.create ? await props.onSave(check.body as ProductInput) : await props.onSave(check.body as ProductFields);
      setSaved(said || "Saved.");
      setSubmitted(false);
    } catch (error) {
      setServerError(error);
      focusFault();
    } finally {
      setSaving(false);
    }
  };
  const nBad = submitted && !check.ok ? Object.keys(check.errors).length : 0;
  // The problem lists its fields unless each is shown on a field of this form (productId is
  // not one when editing): a field named nowhere else would otherwise be lost.
  const rendered = create ? ["productId", ...formFields] : formFields;
  const serverFields = Object.keys(server).every((f) => rendered.includes(f) || f.startsWith("attributes."));

  return (
    <form ref={form} onSubmit={submit} noValidate className="product-form">
      {nBad > 0 && (
        <p role="alert" className="problem">
          {nBad === 1 ? "One field needs fixing." : `${nBad} fields need fixing.`}
        </p>
      )}
      <ProblemMessage error={serverError} fieldsShown={serverFields} />
      {create && (
        <TextField
          label="Product id"
          name="productId"
          value={values.productId}
          onChange={set("productId")}
          error={err("productId")}
          required
          hint={`Your shop's id (SKU) of the product, as your events send it; at most ${limits.productId} characters. It cannot be changed later.`}
        />
      )}
      <TextField label="Name" name="name" value={values.name} onChange={set("name")} error={err("name")} required hint={`Shown in widgets; at most ${limits.name} characters.`} />
      <div className="grid2">
        <TextField label="Category" name="category" value={values.category} onChange={set("category")} error={err("category")} hint="Used by trending and similar-product recommendations." />
        <TextField label="Brand" name="brand" value={values.brand} onChange={set("brand")} error={err("brand")} />
      </div>
      <div className="grid2">
        <TextField label="Price" name="price" value={values.price} onChange={set("price")} error={err("price")} hint="A number such as 12.50; empty is 0." />
        <TextField
          label="Currency"
          name="currency"
          value={values.currency}
          onChange={set("currency")}
          error={err("currency")}
          hint="ISO 4217 code, such as USD or EUR; empty takes the tenant's."
        />
      </div>
      <TextField label="Image URL" name="imageUrl" type="url" value={values.imageUrl} onChange={set("imageUrl")} error={err("imageUrl")} hint="An http(s) address of the picture." />
      <TextField label="Product page URL" name="url" type="url" value={values.url} onChange={set("url")} error={err("url")} hint="Where a widget card links to: an http(s) address." />
      <TextArea
        label="Description"
        name="description"
        value={values.description}
        onChange={set("description")}
        error={err("description")}
        rows={4}
        hint={`At most ${limits.description} characters; used to find similar products.`}
      />
      <TextArea
        label="Attributes (JSON)"
        name="attributes"
        value={values.attributes}
        onChange={set("attributes")}
        error={err("attributes")}
        rows={4}
        mono
        hint={
          <>
            A JSON object of strings and numbers, such as <code>{'{"color": "blue", "capacityMl": 350}'}</code>; at most {limits.attributes} entries.
          </>
        }
      />
      <CheckboxField
        label="Available"
        name="available"
        checked={values.available}
        onChange={set("available")}
        error={err("available")}
        hint="Unavailable products are never recommended."
      />
      <div className="row">
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? "Saving…" : create ? "Create product" : "Save product"}
        </button>
        {children}
        <span role="status">{saved}</span>
      </div>
    </form>
  );
}

function TextArea(props: { label: string; name: string; value: string; onChange: (v: string) => void; error?: string; hint?: ReactNode; rows: number; mono?: boolean }) {
  const id = useId();
  const describedBy = [props.hint ? id + "-hint" : "", props.error ? id + "-error" : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows}
        value={props.value}
        className={props.mono ? "mono" : undefined}
        spellCheck={props.mono ? false : undefined}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy}
      />
      {props.hint && (
        <span className="hint" id={id + "-hint"}>
          {props.hint}
        </span>
      )}
      {props.error && (
        <span className="field-error" id={id + "-error"}>
          {props.error}
        </span>
      )}
    </div>
  );
}
