// The catalog (DESIGN §8): the tenant's products 50 at a time, searched and filtered with
// the state in the URL query, each one's availability switched at once (optimistically),
// a link to add one, and an upload of a JSON or CSV file. ProductPage is the product form.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Switch } from "react-aria-components";
import { getTenant } from "../../api/endpoints";
import { SelectField, TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { count, money, safeHref } from "../../app/format";
import { Link, navigate, useSearch } from "../../router";
import { catalogPageSize, dotSegment, listCatalog, setAvailable, type CatalogItem } from "./api";
import { clearFlash, peekFlash } from "./flash";
import { filtered, listSearch, maxFilterLength, parseList, toQuery, type Availability, type ListState } from "./query";
import { UploadSection } from "./UploadSection";
import "./catalog.css";

export { ProductPage } from "./ProductPage";

// How long typing pauses before the list is asked again.
const debounceMs = 300;

// How long after mount a message left by the product page is put in the live region: a
// region's first content is not announced, a change after it is there is.
const flashDelayMs = 100;

type ListData = Awaited<ReturnType<typeof listCatalog>>;

/** go puts the list's state in the URL, on top of what is there now (never a stale copy). */
function go(patch: Partial<ListState>, replace = false) {
  navigate(location.pathname + listSearch({ ...parseList(location.search), ...patch }), replace);
}

export function CatalogPage({ tenantId }: { tenantId: string }) {
  const queries = useQueryClient();
  const state = parseList(useSearch());
  const q = toQuery(state);
  const base = `/tenants/${encodeURIComponent(tenantId)}`;
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const list = useQuery({
    queryKey: ["catalog", tenantId, q],
    queryFn: () => listCatalog(tenantId, q),
    // While the next page or filter loads, keep showing this tenant's current rows.
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === tenantId ? prev : undefined),
  });

  // The polite live region: the switch's outcomes, and a message left by the product page
  // (deleted), set after mount so that it is announced.
  const [notice, setNotice] = useState<{ text: string; failed?: boolean }>({ text: "" });
  const [flashed] = useState(() => peekFlash(tenantId));
  useEffect(() => {
    clearFlash();
    if (!flashed) return;
    const t = setTimeout(() => setNotice((n) => (n.text ? n : { text: flashed })), flashDelayMs);
    return () => clearTimeout(t);
  }, [flashed]);

  // The search and category fields as typed; the URL follows after a pause in typing.
  const [typed, setTyped] = useState({ search: state.search, category: state.category });
  useEffect(() => {
    // The URL changed otherwise (back, a link): the fields show it.
    setTyped((t) => (t.search.trim() === state.search && t.category.trim() === state.category ? t : { search: state.search, category: state.category }));
  }, [state.search, state.category]);
  useEffect(() => {
    if (typed.search.trim() === state.search && typed.category.trim() === state.category) return;
    const t = setTimeout(() => go({ search: typed.search, category: typed.category, page: 1 }, true), debounceMs);
    return () => clearTimeout(t);
  }, [typed.search, typed.category, state.search, state.category]);
  const applyNow = (e: FormEvent) => {
    e.preventDefault();
    go({ search: typed.search, category: typed.category, page: 1 }, true);
  };

  // Products whose PATCH is under way: their switch is read-only until it answers, so two
  // quick toggles never race (answered out of order, the last answer would leave the switch
  // disagreeing with the server). Read-only rather than disabled: focus stays on it.
  const flying = useRef(new Set<string>());
  const [inFlight, setInFlight] = useState<ReadonlySet<string>>(() => new Set());
  const land = (productId: string) => {
    flying.current.delete(productId);
    setInFlight(new Set(flying.current));
  };
  const toggle = useMutation({
    mutationFn: (v: { item: CatalogItem; on: boolean; key: readonly unknown[] }) => setAvailable(tenantId, v.item.productId, v.on),
    onSettled: (_res, _err, { item }) => land(item.productId),
    onMutate: async ({ item, on, key }) => {
      await queries.cancelQueries({ queryKey: key });
      patchRow(key, item.productId, { available: on });
    },
    onError: (err, { item, on, key }) => {
      // Only this row goes back: another switch may have changed meanwhile.
      patchRow(key, item.productId, { available: !on });
      const why = err instanceof Error ? err.message : "the request failed";
      setNotice({ text: `“${item.name}” could not be made ${on ? "available" : "unavailable"}: ${why} It is ${on ? "still unavailable" : "still available"}.`, failed: true });
    },
    onSuccess: (res, { key }) => {
      patchRow(key, res.data.productId, res.data);
      queries.setQueryData(["product", tenantId, res.data.productId], res);
      setNotice({
        text: res.data.available ? `“${res.data.name}” is available: it can be recommended again.` : `“${res.data.name}” is unavailable: it is out of recommendations from now on.`,
      });
      // Other pages and filters are read again when shown; this one is left as it is, so
      // the row (and the switch with focus) stays even when the filter no longer matches it.
      void queries.invalidateQueries({ queryKey: ["catalog", tenantId], refetchType: "none" });
    },
  });
  const patchRow = (key: readonly unknown[], productId: string, patch: Partial<CatalogItem>) =>
    queries.setQueryData<ListData>(key, (old) => old && { ...old, data: old.data.map((it) => (it.productId === productId ? { ...it, ...patch } : it)) });

  // While the next page or filter loads, the rows shown are the previous query's: a switch
  // would patch the new query's data, which is not there yet. So they wait.
  const waiting = list.isPlaceholderData;
  const switchTo = (item: CatalogItem, on: boolean) => {
    if (waiting || flying.current.has(item.productId)) return;
    flying.current.add(item.productId);
    setInFlight(new Set(flying.current));
    toggle.mutate({ item, on, key: ["catalog", tenantId, q] });
  };

  const heading = useRef<HTMLHeadingElement>(null);
  const toPage = (page: number) => {
    go({ page });
    // The button pressed may become disabled (the last page): focus the list's heading.
    requestAnimationFrame(() => heading.current?.focus());
  };

  const total = list.data?.meta.total ?? 0;
  const rows = list.data?.data ?? [];
  const currency = tenant.data?.data.config.currency || "USD";
  const isFiltered = filtered(state);
  const from = q.offset + 1;
  const to = q.offset + rows.length;

  return (
    <>
      <p role="status" aria-live="polite" className={notice.failed ? "problem catalog-notice" : "notice catalog-notice"}>
        {notice.text}
      </p>
      <div className="row catalog-actions">
        <Link href={`${base}/catalog/new`} className="btn primary">
          Add a product
        </Link>
        <a href="#upload">Upload a file</a>
      </div>
      <section aria-labelledby="catalog-products">
        <h2 id="catalog-products" ref={heading} tabIndex={-1}>
          Products
        </h2>
        <form role="search" aria-label="Filter products" className="catalog-filters" onSubmit={applyNow}>
          <TextField label="Search by name" name="search" type="search" value={typed.search} onChange={(v) => setTyped((t) => ({ ...t, search: v }))} maxLength={maxFilterLength} />
          <TextField
            label="Category"
            name="category"
            value={typed.category}
            onChange={(v) => setTyped((t) => ({ ...t, category: v }))}
            hint="The exact category."
            maxLength={maxFilterLength}
          />
          <SelectField
            label="Availability"
            name="available"
            value={state.available}
            onChange={(v) => go({ available: v as Availability, page: 1 })}
            options={[
              { value: "all", label: "All" },
              { value: "available", label: "Available" },
              { value: "unavailable", label: "Unavailable" },
            ]}
          />
          {isFiltered && (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setTyped({ search: "", category: "" });
                go({ search: "", category: "", available: "all", page: 1 });
              }}
            >
              Clear filters
            </button>
          )}
        </form>
        {/* Empty while the next page or filter loads: the previous total under the new
            filter's words would be wrong, and announced. */}
        <p role="status" className="muted small catalog-count" aria-busy={waiting || undefined}>
          {list.data && !waiting && (isFiltered ? `${count(total)} ${total === 1 ? "product matches" : "products match"} these filters.` : `${count(total)} ${total === 1 ? "product" : "products"} in the catalog.`)}
        </p>
        <ProblemMessage error={list.error} />
        {list.isPending && <p className="muted">Loading products…</p>}
        {list.data && total === 0 && !isFiltered && <EmptyCatalog base={base} />}
        {list.data && total === 0 && isFiltered && <p>No products match these filters.</p>}
        {list.data && rows.length === 0 && total > 0 && (
          <p>
            This page is past the end of the list. <button type="button" className="btn small" onClick={() => toPage(1)}>Go to the first page</button>
          </p>
        )}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="catalog-table" aria-busy={list.isPlaceholderData || undefined}>
              <caption className="sr-only">Products of this catalog, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Product id</th>
                  <th scope="col">Category</th>
                  <th scope="col" className="num">
                    Price
                  </th>
                  <th scope="col">Available</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((it) => (
                  <ProductRow
                    key={it.productId}
                    item={it}
                    base={base}
                    currency={currency}
                    saving={inFlight.has(it.productId)}
                    waiting={waiting}
                    onToggle={(on) => switchTo(it, on)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {total > 0 && rows.length > 0 && (
          <nav aria-label="Catalog pages" className="row catalog-pages">
            <button type="button" className="btn" disabled={state.page <= 1} onClick={() => toPage(state.page - 1)}>
              Previous
            </button>
            <span>
              {count(from)}–{count(to)} of {count(total)}
            </span>
            <button type="button" className="btn" disabled={q.offset + catalogPageSize >= total} onClick={() => toPage(state.page + 1)}>
              Next
            </button>
          </nav>
        )}
      </section>
      <UploadSection tenantId={tenantId} />
    </>
  );
}

function EmptyCatalog({ base }: { base: string }) {
  return (
    <div className="callout catalog-empty">
      <p>
        <strong>Your catalog is empty.</strong> Recommendations are made from your products, so load them first:
      </p>
      <ul>
        <li>
          from your servers, with a secret key and <code>POST /api/v1/catalog/batch</code> (up to 500 products a call): see{" "}
          <Link href={`${base}/integration`}>Integration</Link>;
        </li>
        <li>
          or <a href="#upload">upload a JSON or CSV file</a> below;
        </li>
        <li>
          or <Link href={`${base}/catalog/new`}>add a product</Link> by hand.
        </li>
      </ul>
    </div>
  );
}

/** thumbnail is the image to show in the list: https only, as the page's CSP allows (img-src 'self' data: https:). */
export function thumbnail(imageUrl: string): string | undefined {
  const href = safeHref(imageUrl);
  return href?.startsWith("https:") ? href : undefined;
}

type RowProps = {
  item: CatalogItem;
  base: string;
  currency: string;
  /** Its PATCH is under way. */
  saving: boolean;
  /** The rows are the previous query's, while the next loads. */
  waiting: boolean;
  onToggle: (on: boolean) => void;
};

function ProductRow({ item, base, currency, saving, waiting, onToggle }: RowProps) {
  const img = thumbnail(item.imageUrl);
  return (
    <tr>
      <th scope="row">
        <span className="product-cell">
          {/* Decorative: the name beside it says what it is. Lazy: a page holds 50. */}
          {img ? <img src={img} alt="" loading="lazy" decoding="async" width={40} height={40} className="thumb" /> : <span className="thumb" aria-hidden="true" />}
          {/* No URL can name "." or ".." (see dotSegment): such a product has no page here. */}
          {dotSegment(item.productId) ? item.name : <Link href={`${base}/catalog/items/${encodeURIComponent(item.productId)}`}>{item.name}</Link>}
        </span>
      </th>
      <td>
        <code>{item.productId}</code>
      </td>
      <td>{item.category || <span className="muted">—</span>}</td>
      <td className="num">{money(item.price, item.currency || currency)}</td>
      <td>
        <Switch className="switch" isSelected={item.available} onChange={onToggle} isReadOnly={saving} isDisabled={waiting}>
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
          <span className="sr-only">Available: {item.name}</span>
        </Switch>
      </td>
    </tr>
  );
}
