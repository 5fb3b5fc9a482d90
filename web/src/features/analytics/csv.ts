import { analyticsExport } from "../../api/endpoints";
import type { View } from "./range";
import { toQuery } from "./range";

/** csvName is the export's file name, e.g. recomengine-analytics-2026-10-28-2026-11-26.csv. */
export const csvName = (v: View) => `recomengine-analytics-${v.from}-${v.to}.csv`;

/**
 * downloadCSV fetches export.csv for the view with the client (it needs the Bearer token,
 * so a plain link cannot), then saves the Blob through an object URL and a download link.
 */
export async function downloadCSV(tenantId: string, v: View): Promise<void> {
  const blob = await analyticsExport(tenantId, toQuery(v));
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = csvName(v);
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
