import { useEffect } from "react";

/** useTitle sets the tab's title: the page, then what it belongs to, then "RecomEngine". */
export function useTitle(...parts: (string | undefined)[]) {
  const title = [...parts.filter(Boolean), "RecomEngine"].join(" · ");
  useEffect(() => {
    document.title = title;
  }, [title]);
}
