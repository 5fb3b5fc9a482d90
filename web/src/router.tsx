// A small router on the History API: the dashboard has a handful of routes, so a matcher
// and a link component are all it needs. The URL holds the tenant (/tenants/{id}/keys).

import { createContext, useContext, useEffect, useState, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";

const PathContext = createContext<string>("/");

/** navigate goes to path inside the app, adding a history entry (or replacing it). */
export function navigate(path: string, replace = false) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return <PathContext.Provider value={path}>{children}</PathContext.Provider>;
}

export const usePath = () => useContext(PathContext);

const subscribe = (f: () => void) => {
  addEventListener("popstate", f);
  return () => removeEventListener("popstate", f);
};
/** useSearch is the URL's query string, updated on navigation (navigate fires popstate). */
export const useSearch = () => useSyncExternalStore(subscribe, () => location.search);

/** match returns pattern's parameters (":name" segments) if path matches it, else null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.replace(/\/+$/, "").split("/");
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(":")) {
      if (!s[i]) return null;
      try {
        out[p[i].slice(1)] = decodeURIComponent(s[i]);
      } catch {
        return null; // a malformed escape (/tenants/%E0%A4): no such page
      }
    } else if (p[i] !== s[i]) return null;
  }
  return out;
}

/** Link is an <a> that navigates inside the app (a modified click opens a tab as usual). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const path = usePath();
  const go = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} aria-current={path === href ? "page" : undefined} onClick={go} {...rest} />;
}
