import { ApiError } from "../api/client";

/** ProblemMessage shows a failed call: the problem's detail, and its field errors if not shown elsewhere. */
export function ProblemMessage({ error, id, fieldsShown = false }: { error: unknown; id?: string; fieldsShown?: boolean }) {
  if (!error) return null;
  const detail = error instanceof Error ? error.message : "Something went wrong.";
  const fields = error instanceof ApiError && !fieldsShown ? (error.problem.errors ?? []) : [];
  return (
    // Focusable from script (never a Tab stop): a form sends focus here after a failure
    // that names no field of it (useFocusFault).
    <div role="alert" className="problem" id={id} tabIndex={-1}>
      <p>{detail}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
