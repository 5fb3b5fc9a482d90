// A message for the next catalog page (e.g. "Product deleted." on the list after a delete):
// it outlives the navigation, not a reload.

let pending: { tenantId: string; text: string } | null = null;

/** flash keeps text for the tenant's next catalog page. */
export function flash(tenantId: string, text: string) {
  pending = { tenantId, text };
}

/** peekFlash is the tenant's pending message ("" if none); clearFlash drops it once shown. */
export const peekFlash = (tenantId: string) => (pending?.tenantId === tenantId ? pending.text : "");
export function clearFlash() {
  pending = null;
}
