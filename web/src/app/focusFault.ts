// After a failed submit, a keyboard or screen-reader user should land on the first field at
// fault, as a sighted user's eye does.

import { useCallback, useEffect, useState, type RefObject } from "react";

/**
 * useFocusFault returns a function to call on each failed submit of the form: focus then
 * goes to its first field marked aria-invalid, or, when no field is (a server error, a
 * network failure), to the first element matching fallback, by default the form's problem
 * message (ProblemMessage). It moves in an effect, once React has drawn the messages: a
 * frame requested right after the failure may come before that render when the state is
 * set after an await.
 */
export function useFocusFault(form: RefObject<HTMLElement | null>, fallback = "[role=alert]"): () => void {
  const [failures, setFailures] = useState(0);
  useEffect(() => {
    if (!failures) return;
    const f = form.current;
    (f?.querySelector<HTMLElement>("[aria-invalid=true]") ?? f?.querySelector<HTMLElement>(fallback))?.focus();
  }, [failures, form, fallback]);
  return useCallback(() => setFailures((n) => n + 1), []);
}
