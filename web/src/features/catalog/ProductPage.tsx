// One product: a new one (/tenants/{id}/catalog/new) or an existing one to edit or delete
// (/tenants/{id}/catalog/items/{productId}).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { ConfirmDialog } from "../../app/ConfirmDialog";
import { ProblemMessage } from "../../app/Problem";
import { Link, navigate } from "../../router";
import { createProduct, deleteProduct, getProduct, replaceProduct, type CatalogItem, type ProductFields, type ProductInput } from "./api";
import { clearFlash, flash, peekFlash } from "./flash";
import { ProductForm } from "./ProductForm";
import { emptyProduct, toForm } from "./productSchema";
import "./catalog.css";

// How long after mount the flash message is put in the live region (see EditProduct).
const flashDelayMs = 100;

const listPath = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}/catalog`;
const itemPath = (tenantId: string, productId: string) => `${listPath(tenantId)}/items/${encodeURIComponent(productId)}`;

export function ProductPage({ tenantId, productId }: { tenantId: string; productId?: string }) {
  const back = (
    <p>
      <Link href={listPath(tenantId)}>All products</Link>
    </p>
  );
  return (
    <>
      {back}
      {productId === undefined ? <NewProduct tenantId={tenantId} /> : <EditProduct tenantId={tenantId} productId={productId} />}
    </>
  );
}

function NewProduct({ tenantId }: { tenantId: string }) {
  const queries = useQueryClient();
  const save = async (body: ProductInput) => {
    // POST replaces a product of the same id (an upsert): a form meant to add one must not
    // overwrite another product unseen, so it looks first. This narrows the race but does
    // not close it: a product of the same id written by another tab or an upload between
    // this GET and the POST is still overwritten, since the API has no create-only call.
    const exists = await getProduct(tenantId, body.productId).then(
      () => true,
      (e) => {
        if (e instanceof ApiError && e.status === 404) return false;
        throw e;
      },
    );
    if (exists)
      throw new ApiError(409, {
        status: 409,
        detail: "A product with this id is already in the catalog.",
        errors: [{ field: "productId", message: "Already in the catalog: choose another id, or open that product from the list to edit it." }],
      });
    const res = await createProduct(tenantId, body);
    queries.setQueryData(["product", tenantId, res.data.productId], res);
    void queries.invalidateQueries({ queryKey: ["catalog", tenantId] });
    flash(tenantId, `Product “${res.data.name}” created.`);
    navigate(itemPath(tenantId, res.data.productId), true);
  };
  return (
    <section aria-label="New product" className="narrow">
      <p className="muted">Add one product by hand. To load many, upload a file on the catalog page or send them from your servers.</p>
      <ProductForm create initial={emptyProduct} onSave={save} />
    </section>
  );
}

function EditProduct({ tenantId, productId }: { tenantId: string; productId: string }) {
  const queries = useQueryClient();
  const product = useQuery({ queryKey: ["product", tenantId, productId], queryFn: () => getProduct(tenantId, productId) });
  // "Created", left by the new-product form: set after mount, since a live region's first
  // content is not announced.
  const [notice, setNotice] = useState("");
  const [flashed] = useState(() => peekFlash(tenantId));
  useEffect(() => {
    clearFlash();
    if (!flashed) return;
    const t = setTimeout(() => setNotice(flashed), flashDelayMs);
    return () => clearTimeout(t);
  }, [flashed]);
  const [confirming, setConfirming] = useState(false);

  const remove = useMutation({
    mutationFn: () => deleteProduct(tenantId, productId),
    onSuccess: () => {
      queries.removeQueries({ queryKey: ["product", tenantId, productId] });
      void queries.invalidateQueries({ queryKey: ["catalog", tenantId] });
      flash(tenantId, `Product “${product.data?.data.name ?? productId}” deleted.`);
      // Replace: Back must not return to the page of a product that is gone.
      navigate(listPath(tenantId), true);
    },
  });

  const save = async (body: ProductFields) => {
    const res = await replaceProduct(tenantId, productId, body);
    queries.setQueryData(["product", tenantId, productId], res);
    void queries.invalidateQueries({ queryKey: ["catalog", tenantId] });
    return "Saved. Recommendations use the change from the next request on.";
  };

  if (product.isPending) return <p className="muted">Loading the product…</p>;
  if (product.isError) {
    if (product.error instanceof ApiError && product.error.status === 404)
      return (
        <div className="callout">
          <p>
            <strong>No product “{productId}” in this catalog.</strong> It may have been deleted. <Link href={listPath(tenantId)}>Back to the catalog</Link>
          </p>
        </div>
      );
    return <ProblemMessage error={product.error} />;
  }
  const item: CatalogItem = product.data.data;
  return (
    <section aria-label={`Product ${item.productId}`} className="narrow">
      <p role="status" className="notice">
        {notice}
      </p>
      <dl className="product-meta">
        <dt>Product id</dt>
        <dd>
          <code>{item.productId}</code>
        </dd>
        <dt>Created</dt>
        <dd>{new Date(item.createdAt).toLocaleString()}</dd>
        <dt>Updated</dt>
        <dd>{new Date(item.updatedAt).toLocaleString()}</dd>
      </dl>
      <ProductForm create={false} initial={toForm(item)} onSave={save}>
        <button type="button" className="btn danger" onClick={() => setConfirming(true)}>
          Delete product
        </button>
      </ProductForm>
      <ConfirmDialog
        open={confirming}
        title={`Delete “${item.name}”?`}
        confirmLabel="Delete"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
      >
        <p>It leaves recommendations at once; its past events stay. This cannot be undone (upload it again to bring it back).</p>
        <ProblemMessage error={remove.error} />
      </ConfirmDialog>
    </section>
  );
}
