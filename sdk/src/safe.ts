// The SDK runs on a merchant's page, which it must never break (STYLE: never throws, blocks
// or logs): every function the browser calls back (timers, listeners, observers) goes
// through guard, so whatever goes wrong inside stays inside.

/** guard wraps f so that nothing it throws reaches the page. */
export function guard<A extends unknown[]>(f: (...a: A) => unknown): (...a: A) => void {
  return (...a: A) => {
    try {
      f(...a);
    } catch {
      // the widget or event is lost, never the page
    }
  };
}

/** own reports whether k is o's own property, never one inherited from Object.prototype. */
export function own(o: object, k: unknown): boolean {
  return Object.prototype.hasOwnProperty.call(o, k as PropertyKey);
}

export function noop(): void {}
