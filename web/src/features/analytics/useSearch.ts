import { useSyncExternalStore } from "react";

const subscribe = (f: () => void) => {
  addEventListener("popstate", f);
  return () => removeEventListener("popstate", f);
};
/** useSearch is the URL's query string, updated on navigation (router.navigate fires popstate). */
export const useSearch = () => useSyncExternalStore(subscribe, () => location.search);
