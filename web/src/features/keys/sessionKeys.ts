// Publishable keys created in this tab, kept in memory (never storage) so the integration
// page can show a complete script tag. A publishable key is public by design (it sits in
// every shop page's HTML); secret keys are never kept. A reload forgets them: the API gives
// back only a key's prefix.

const keys = new Map<string, string>(); // key id → full publishable key

export function rememberPublishable(id: string, key: string) {
  keys.set(id, key);
}
export function forgetKey(id: string) {
  keys.delete(id);
}
export function publishableKey(id: string): string | undefined {
  return keys.get(id);
}
/** forgetAll drops every remembered key (on logout). */
export function forgetAll() {
  keys.clear();
}
