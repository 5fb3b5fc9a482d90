import { ApiError } from "../api/client";

/** parseOrigins reads allowed origins typed one per line (or comma-separated). */
export function parseOrigins(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

/**
 * originErrors names the origins the server refused: its errors are on
 * config.allowedOrigins[i], the i-th origin sent.
 */
export function originErrors(error: unknown, sent: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const out: string[] = [];
  for (const e of error.problem.errors ?? []) {
    if (!e.field.includes("allowedOrigins")) continue;
    const i = /\[(\d+)\]/.exec(e.field);
    const origin = i ? sent[Number(i[1])] : undefined;
    out.push(origin !== undefined ? `“${origin}”: ${e.message}` : e.message);
  }
  return out.length ? out.join("; ") : undefined;
}

