import { useState } from "react";

/** CopyButton copies text to the clipboard and says so in a live region. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState("");
  return (
    <span className="row">
      <button
        type="button"
        className="btn small"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setState("Copied.");
          } catch {
            setState("Copy failed: select the text instead.");
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="muted small">
        {state}
      </span>
    </span>
  );
}
