// The experiment form's rules, mirroring the server's (internal/recom/experiment.go
// validate): the form says what is wrong before a round trip, and the server still has the
// final say. Field names are the server's, so its errors land on the same fields. Shares
// and lifts are typed in per cent and sent as fractions (50 → 0.5).

import * as z from "zod/mini";
import { strategies } from "../../api/schemas";
import { methods, metrics, type ExperimentInput } from "./api";

// Printable as the server counts it (recom validID): no C0 control or DEL, valid UTF-8 (a
// lone surrogate would reach it as U+FFFD, which it refuses too), lengths in bytes.
const unprintable = /[\u0000-\u001f\u007f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const bytes = (s: string) => new TextEncoder().encode(s).length;
const printable = (max: number, message: string) =>
  z.string().check(z.refine((s) => s.length > 0 && bytes(s) <= max && !unprintable.test(s), message));
const oneOf = <T extends readonly string[]>(values: T) => z.enum(values, "Must be one of " + values.join(", ") + ".");

export const nameMessage = "Must be 1 to 200 printable characters.";
export const placementMessage = "Must be 1 to 128 printable characters, not . or .., as in data-recomengine-placement.";
export const shareMessage = "Must be a number from 1 to 99 (per cent of users in the control arm).";
export const mdeMessage = "Must be a lift above 0 and at most 1000 (per cent), or empty.";

export const experimentInput = z.object({
  name: printable(200, nameMessage),
  // "." and ".." cannot stand in a URL path, where a placement names its widget.
  placement: printable(128, placementMessage).check(z.refine((s) => s.trim() !== "." && s.trim() !== "..", placementMessage)),
  controlStrategy: oneOf(strategies),
  variantStrategy: oneOf(strategies),
  controlShare: z.number(shareMessage).check(z.refine((n) => n >= 0.01 && n <= 0.99, shareMessage)),
  primaryMetric: oneOf(metrics),
  method: oneOf(methods),
  targetMde: z.optional(z.number(mdeMessage).check(z.refine((n) => n > 0 && n <= 10, mdeMessage))),
});

/** FormValues is what the form holds: numbers as typed, so a bad one can be shown. */
export interface FormValues {
  name: string;
  placement: string;
  controlStrategy: string;
  variantStrategy: string;
  controlShare: string;
  primaryMetric: string;
  method: string;
  targetMde: string;
}

export const formFields = ["name", "placement", "controlStrategy", "variantStrategy", "controlShare", "primaryMetric", "method", "targetMde"] as const;

/** The defaults of a new experiment: the server's (an even split, conversion rate, sequential). */
export const newExperiment: FormValues = {
  name: "",
  placement: "",
  controlStrategy: "collaborative",
  variantStrategy: "content_based",
  controlShare: "50",
  primaryMetric: "conversion_rate",
  method: "sequential",
  targetMde: "",
};

// A number as typed, in per cent: empty or not a finite number is NaN (which the rules refuse).
const perCent = (s: string) => (s.trim() === "" || !Number.isFinite(Number(s)) ? NaN : Number(s) / 100);

/** fromForm builds the request body from the form (not yet validated); text is trimmed as the server trims it. */
export function fromForm(v: FormValues): ExperimentInput {
  return {
    name: v.name.trim(),
    placement: v.placement.trim(),
    controlStrategy: v.controlStrategy as ExperimentInput["controlStrategy"],
    variantStrategy: v.variantStrategy as ExperimentInput["variantStrategy"],
    controlShare: perCent(v.controlShare),
    primaryMetric: v.primaryMetric as ExperimentInput["primaryMetric"],
    method: v.method as ExperimentInput["method"],
    targetMde: v.targetMde.trim() === "" ? undefined : perCent(v.targetMde),
  };
}

export type Validated = { ok: true; body: ExperimentInput } | { ok: false; errors: Record<string, string> };

/** validate returns the body when the form is valid, else the message of each bad field. */
export function validate(v: FormValues): Validated {
  const got = experimentInput.safeParse(fromForm(v));
  if (got.success) return { ok: true, body: got.data as ExperimentInput };
  const errors: Record<string, string> = {};
  for (const issue of got.error.issues) errors[issue.path.join(".")] ??= issue.message;
  return { ok: false, errors };
}

/** EditValues are what may change once an experiment has started: its name and target MDE. */
export interface EditValues {
  name: string;
  targetMde: string;
}

const editInput = z.pick(experimentInput, { name: true, targetMde: true });

export const keepMdeMessage = "The target MDE can be changed but not removed.";

/**
 * validateEdit returns the update's body, or the message of each bad field. The API keeps a
 * field that is not given, so an empty target cannot remove one: sending nothing would keep
 * the old target while the page says "Saved.". So an empty target is refused when the
 * experiment has one (hasTarget), and left out when it has none.
 */
export function validateEdit(v: EditValues, hasTarget: boolean): Validated {
  const empty = v.targetMde.trim() === "";
  const body = { name: v.name.trim(), targetMde: empty ? undefined : perCent(v.targetMde) };
  const got = editInput.safeParse(body);
  const errors: Record<string, string> = {};
  if (!got.success) for (const issue of got.error.issues) errors[issue.path.join(".")] ??= issue.message;
  if (empty && hasTarget) errors.targetMde = keepMdeMessage;
  if (got.success && Object.keys(errors).length === 0) return { ok: true, body: got.data as ExperimentInput };
  return { ok: false, errors };
}

/** toPerCent writes a fraction as the form types it: 0.1 → "10". */
export const toPerCent = (n: number | null | undefined) => (n == null ? "" : String(Math.round(n * 1e6) / 1e4));
