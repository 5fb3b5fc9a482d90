// After a failed submit, a keyboard or screen-reader user should land on the first field at
// fault, as a sighted user's eye does.

import { useCallback, useEffect, useState, type RefObject } from "react";

/**
 * useFocusFault returns a function to call on each failed submit of the form: focus then
 * goes to its first field marked aria-invalid, or, when no field is, to the first element
 * matching fallback (e.g. the form's problem message). It moves in an effect, once React has
 * drawn the messages: a frame requested right after the failure may come before that
 * render when the state is set after an await.
 */
export function useFocusFault(form: RefObject<HTMLElement | null>, fallback?: string): () => void {
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    if (!failures) return;
    const f = form.current;
    (f?.querySelector<HTMLElement>("[aria-invalid=true]") ?? (fallback ? f?.querySelector<HTMLElement>(fallback) : null))?.focus();
  }, [failures, form, fallback]);
  return useCallback(() => setFailures((n) => n + 1), []);
}
