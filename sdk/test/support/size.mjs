// The SDK's size budget (NFR-005, SC-004; DESIGN §9): at most 8,000 bytes gzipped, well
// inside the spec's 10 KB, so a merchant's page pays little for it.

import { gzipSync } from "node:zlib";

export const gzipBudget = 8000;

/** gzipSize is the size of bytes gzipped at the best compression, as a server would send it. */
export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}
