// Form fields with their label, hint and error tied to the input (aria-describedby,
// aria-invalid), so a screen reader reads the message with the field (WCAG 1.3.1, 3.3.1).

import { useId, type ReactNode } from "react";

interface Common {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
}

function describe(id: string, error?: string, hint?: ReactNode) {
  return [hint ? id + "-hint" : "", error ? id + "-error" : ""].filter(Boolean).join(" ") || undefined;
}

function Help({ id, error, hint }: { id: string; error?: string; hint?: ReactNode }) {
  return (
    <>
      {hint && (
        <span className="hint" id={id + "-hint"}>
          {hint}
        </span>
      )}
      {error && (
        <span className="field-error" id={id + "-error"}>
          {error}
        </span>
      )}
    </>
  );
}

export function TextField({
  label,
  name,
  error,
  hint,
  value,
  onChange,
  type = "text",
  ...rest
}: Common & { value: string; onChange: (v: string) => void; type?: string; autoComplete?: string; required?: boolean; inputMode?: "numeric" | "decimal" | "text"; maxLength?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describe(id, error, hint)}
        {...rest}
      />
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  value,
  onChange,
  options,
}: Common & { value: string; onChange: (v: string) => void; options: { value: string; label: string }[] }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={describe(id, error, hint)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

export function CheckboxField({ label, name, error, hint, checked, onChange }: Common & { checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="field check">
      <input id={id} name={name} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined} aria-describedby={describe(id, error, hint)} />
      <label htmlFor={id}>{label}</label>
      <Help id={id} error={error} hint={hint} />
    </div>
  );
}

/** RadioField is a choice among a few options, as radios in a fieldset whose legend is the label. */
export function RadioField<T extends string>({
  label,
  name,
  error,
  hint,
  value,
  onChange,
  options,
  layout = "row",
}: Common & { value: T; onChange: (v: T) => void; options: readonly { value: T; label: string }[]; layout?: "row" | "stack-tight" }) {
  const id = useId();
  return (
    <fieldset className="field">
      <legend>{label}</legend>
      <div className={layout}>
        {options.map((o) => (
          <label key={o.value} className="radio">
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={describe(id, error, hint)}
            />
            {o.label}
          </label>
        ))}
      </div>
      <Help id={id} error={error} hint={hint} />
    </fieldset>
  );
}
