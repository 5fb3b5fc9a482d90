// The widget form's rules, mirroring the server's (internal/recom/widget.go Validate): the
// form says what is wrong before a round trip, and the server still has the final say.
// Field names are the server's (`theme.primaryColor`), so its errors land on the same fields.

import * as z from "zod/mini";
import { strategies, type Widget } from "../../api/schemas";
import type { WidgetInput } from "../../api/endpoints";

// Printable text: no C0/C1 controls, no bidirectional overrides or isolates (which would make
// a shop's button read otherwise than typed). Length is in characters, as the server counts.
const unprintable = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const text = (min: number, max: number, message: string) =>
  z.string().check(z.refine((s) => [...s].length >= min && [...s].length <= max && !unprintable.test(s), message));
const int = (min: number, max: number, message: string) => z.number(message).check(z.refine((n) => Number.isInteger(n) && n >= min && n <= max, message));
const hex = z.string().check(z.regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, "Must be a hex colour: #rgb or #rrggbb."));

export const widgetInput = z.object({
  layout: z.enum(["grid", "carousel"], "Must be grid or carousel."),
  columns: int(1, 6, "Must be a whole number from 1 to 6."),
  showPrice: z.boolean(),
  ctaText: text(1, 40, "Must be 1 to 40 printable characters."),
  itemCount: int(1, 20, "Must be a whole number from 1 to 20."),
  strategy: z.optional(z.enum(strategies, "Must be one of " + strategies.join(", ") + ".")),
  title: z.optional(text(0, 80, "Must be at most 80 printable characters.")),
  theme: z.object({
    primaryColor: hex,
    textColor: hex,
    backgroundColor: hex,
    borderRadius: int(0, 32, "Must be a whole number from 0 to 32 (pixels)."),
  }),
});

/** FormValues is what the form holds: numbers as typed, so a bad one can be shown. */
export interface FormValues {
  layout: string;
  columns: string;
  showPrice: boolean;
  ctaText: string;
  itemCount: string;
  strategy: string;
  title: string;
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  borderRadius: string;
}

export function toForm(w: Widget): FormValues {
  return {
    layout: w.layout,
    columns: String(w.columns),
    showPrice: w.showPrice,
    ctaText: w.ctaText,
    itemCount: String(w.itemCount),
    strategy: w.strategy ?? "",
    title: w.title ?? "",
    primaryColor: w.theme.primaryColor,
    textColor: w.theme.textColor,
    backgroundColor: w.theme.backgroundColor,
    borderRadius: String(w.theme.borderRadius),
  };
}

const num = (s: string) => (s.trim() === "" ? NaN : Number(s));

/** fromForm builds the request body from the form (not yet validated). */
export function fromForm(v: FormValues): WidgetInput {
  return {
    layout: v.layout as WidgetInput["layout"],
    columns: num(v.columns),
    showPrice: v.showPrice,
    ctaText: v.ctaText,
    itemCount: num(v.itemCount),
    strategy: v.strategy || undefined,
    title: v.title || undefined,
    theme: { primaryColor: v.primaryColor, textColor: v.textColor, backgroundColor: v.backgroundColor, borderRadius: num(v.borderRadius) },
  };
}

/** validate returns the body when the form is valid, else the message of each bad field. */
export function validate(v: FormValues): { ok: true; body: WidgetInput } | { ok: false; errors: Record<string, string> } {
  const got = widgetInput.safeParse(fromForm(v));
  if (got.success) return { ok: true, body: got.data as WidgetInput };
  const errors: Record<string, string> = {};
  for (const issue of got.error.issues) errors[issue.path.join(".")] ??= issue.message;
  return { ok: false, errors };
}
