// Tenants: the admin's stores, and a form to create one. Picking a tenant puts its id in
// the URL (/tenants/{id}/…), which every tenant page reads.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { usePaged } from "../../app/paged";
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { createTenant, listTenants } from "../../api/endpoints";
import { TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { originErrors, parseOrigins } from "../../app/origins";
import { Link, navigate } from "../../router";
import { useTitle } from "../../app/title";
import { ShowMore } from "../../app/ShowMore";

export function TenantsPage() {
  useTitle("Tenants");
  const { query: tenants, items, total, hasMore, more, loadingMore } = usePaged(["tenants"], listTenants);
  const queries = useQueryClient();
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const create = useMutation({
    mutationFn: (v: { name: string; origins: string[] }) => createTenant(v.name, v.origins),
    onSuccess: (res) => {
      void queries.invalidateQueries({ queryKey: ["tenants"] });
      navigate(`/tenants/${encodeURIComponent(res.data.id)}/keys`);
    },
  });
  const fields = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  const originsError = originErrors(create.error, create.variables?.origins ?? []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), origins: parseOrigins(origins) });
  };

  return (
    <div className="narrow">
      <h1>Tenants</h1>
      <section aria-labelledby="your-tenants">
        <h2 id="your-tenants">Your stores</h2>
        {tenants.isPending && <p className="muted">Loading tenants…</p>}
        <ProblemMessage error={tenants.error} />
        {tenants.data && items.length === 0 && <p>You have no tenant yet. Create your first store below.</p>}
        {items.length > 0 && (
          <ul className="cards">
            {items.map((t) => (
              <li key={t.id} className="card">
                <Link href={`/tenants/${encodeURIComponent(t.id)}/analytics`} className="card-title">
                  {t.name}
                </Link>
                <span className={`badge ${t.status}`}>{t.status}</span>
                <span className="muted small">
                  {(t.config.allowedOrigins ?? []).join(", ") || "No allowed origins"}
                </span>
              </li>
            ))}
          </ul>
        )}
        {hasMore && <ShowMore shown={items.length} total={total} noun="tenants" loading={loadingMore} onMore={more} />}
      </section>
      <section aria-labelledby="new-tenant">
        <h2 id="new-tenant">Create a tenant</h2>
        <form onSubmit={submit} noValidate className="stack">
          <ProblemMessage error={create.error} fieldsShown />
          <TextField label="Store name" name="name" value={name} onChange={setName} error={fields.name} required />
          <TextField
            label="Allowed origins"
            name="allowedOrigins"
            value={origins}
            onChange={setOrigins}
            error={originsError}
            hint="Where your shop runs, e.g. https://shop.example. Separate several with spaces or commas. Publishable keys work only from these."
          />
          <button type="submit" className="btn primary" disabled={create.isPending}>
            Create tenant
          </button>
        </form>
      </section>
    </div>
  );
}
