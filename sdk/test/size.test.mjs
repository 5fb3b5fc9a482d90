import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gzipBudget, gzipSize } from "./support/size.mjs";

test("the bundle is at most 8,000 bytes gzipped", (t) => {
  const bundle = readFileSync(new URL("../dist/recomengine.v1.js", import.meta.url));
  const gzipped = gzipSize(bundle);
  t.diagnostic(`dist/recomengine.v1.js: ${bundle.length} B minified, ${gzipped} B gzipped`);
  assert.ok(gzipped <= gzipBudget, `dist/recomengine.v1.js is ${gzipped} B gzipped (${bundle.length} B minified); the budget is ${gzipBudget} B`);
});
