// jsdom has no CSS.escape, which React Aria's modal calls; this is the spec's algorithm
// for the characters a test can meet.
if (typeof globalThis.CSS === "undefined") (globalThis as { CSS?: unknown }).CSS = {};
const css = globalThis.CSS as { escape?: (s: string) => string };
css.escape ??= (s: string) => String(s).replace(/[^a-zA-Z0-9_\u00a0-\uffff-]/g, (c) => "\\" + c);
