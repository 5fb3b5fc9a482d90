import { useInfiniteQuery } from "@tanstack/react-query";

interface Page<T> {
  data: T[];
  meta: { total: number; limit: number; offset: number };
}

/**
 * usePaged reads a list page after page (the API gives at most 100 items a call): items
 * holds those loaded so far, more() loads the next page.
 */
export function usePaged<T>(queryKey: readonly unknown[], fetchPage: (offset: number) => Promise<Page<T>>) {
  const q = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: 0,
    getNextPageParam: (last) => {
      const next = last.meta.offset + last.data.length;
      return last.data.length > 0 && next < last.meta.total ? next : undefined;
    },
  });
  const items = q.data?.pages.flatMap((p) => p.data) ?? [];
  const total = q.data?.pages.at(-1)?.meta.total ?? 0;
  return { query: q, items, total, hasMore: q.hasNextPage, more: () => void q.fetchNextPage(), loadingMore: q.isFetchingNextPage };
}
