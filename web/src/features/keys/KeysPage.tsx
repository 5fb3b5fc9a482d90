// API keys: the tenant's active keys (prefix only), a form to create one (shown once in
// full), and revocation after a confirmation.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { createAPIKey, listAPIKeys, revokeAPIKey } from "../../api/endpoints";
import type { APIKey } from "../../api/schemas";
import { ConfirmDialog } from "../../app/ConfirmDialog";
import { SelectField, TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { KeyCreatedDialog } from "./KeyCreatedDialog";
import { forgetKey, rememberPublishable } from "./sessionKeys";

const pageSize = 10;
const when = (s: string | null | undefined) => (s ? new Date(s).toLocaleString() : "never");

export function KeysPage({ tenantId }: { tenantId: string }) {
  const queries = useQueryClient();
  const [offset, setOffset] = useState(0);
  const keys = useQuery({
    queryKey: ["apiKeys", tenantId, offset],
    queryFn: () => listAPIKeys(tenantId, offset, pageSize),
    // While the next page loads, keep showing this tenant's current page (never another tenant's).
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === tenantId ? prev : undefined),
  });
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<"read" | "read_write">("read_write");
  const [type, setType] = useState<"secret" | "publishable">("publishable");
  const [revoking, setRevoking] = useState<APIKey | null>(null);
  const [notice, setNotice] = useState("");
  const noticeRef = useRef<HTMLParagraphElement>(null);

  // The created key lives only in this mutation's result: gcTime 0 and reset() on closing
  // the dialog drop it from the mutation cache, so it leaves memory with the dialog.
  const create = useMutation({
    mutationFn: () => createAPIKey(tenantId, { name: name.trim(), permissions, type }),
    gcTime: 0,
    onSuccess: (res) => {
      if (res.data.type === "publishable") rememberPublishable(res.data.id, res.data.key);
      setName("");
      setNotice("");
      void queries.invalidateQueries({ queryKey: ["apiKeys", tenantId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (k: APIKey) => revokeAPIKey(tenantId, k.id),
    onSuccess: (_, k) => {
      forgetKey(k.id);
      setRevoking(null);
      setNotice(`Key “${k.name}” revoked. It stops working within 5 seconds.`);
      // The revoked key's row (and its button, which had focus) goes once the list is read
      // again: then focus the notice. Not before: the closing dialog gives focus back to
      // that button first.
      const focusNotice = () => requestAnimationFrame(() => noticeRef.current?.focus());
      void queries.invalidateQueries({ queryKey: ["apiKeys", tenantId] }).then(focusNotice, focusNotice);
    },
  });
  const fields = create.error instanceof ApiError ? create.error.fieldErrors() : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const total = keys.data?.meta.total ?? 0;

  return (
    <>
      <section aria-labelledby="keys-list">
        <h2 id="keys-list">Active keys</h2>
        <p role="status" className="notice" ref={noticeRef} tabIndex={-1}>
          {notice}
        </p>
        <ProblemMessage error={keys.error} />
        {keys.isPending && <p className="muted">Loading keys…</p>}
        {keys.data && total === 0 && <p>No keys yet. Create one below: a publishable key for your shop’s pages, a secret key for your servers.</p>}
        {keys.data && total > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">API keys of this tenant</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Type</th>
                  <th scope="col">Permissions</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.data.map((k) => (
                  <tr key={k.id}>
                    <th scope="row">{k.name}</th>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{k.type}</td>
                    <td>{k.permissions === "read_write" ? "read and write" : "read"}</td>
                    <td>{when(k.createdAt)}</td>
                    <td>{when(k.lastUsedAt)}</td>
                    <td>
                      <button type="button" className="btn small danger" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {total > pageSize && (
          <nav aria-label="Key pages" className="row">
            <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>
              Previous
            </button>
            <span>
              {offset + 1}–{Math.min(offset + pageSize, total)} of {total}
            </span>
            <button type="button" className="btn" disabled={offset + pageSize >= total} onClick={() => setOffset(offset + pageSize)}>
              Next
            </button>
          </nav>
        )}
      </section>
      <section aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        <form onSubmit={submit} noValidate className="stack narrow">
          <ProblemMessage error={create.error} fieldsShown />
          <TextField label="Key name" name="name" value={name} onChange={setName} error={fields.name} hint="What uses it, e.g. “Storefront” or “Order sync”." required />
          <SelectField
            label="Type"
            name="type"
            value={type}
            onChange={(v) => setType(v as typeof type)}
            error={fields.type}
            options={[
              { value: "publishable", label: "Publishable (rk_pub_…, for the browser SDK)" },
              { value: "secret", label: "Secret (rk_live_…, for servers only)" },
            ]}
          />
          <SelectField
            label="Permissions"
            name="permissions"
            value={permissions}
            onChange={(v) => setPermissions(v as typeof permissions)}
            error={fields.permissions}
            options={[
              { value: "read", label: "Read" },
              { value: "read_write", label: "Read and write" },
            ]}
            hint="The SDK needs read and write to send shoppers’ events; read only suits a server that only fetches recommendations."
          />
          <button type="submit" className="btn primary" disabled={create.isPending}>
            Create key
          </button>
        </form>
      </section>
      <KeyCreatedDialog created={create.data?.data ?? null} onClose={() => create.reset()} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke key"
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onCancel={() => {
          setRevoking(null);
          revoke.reset();
        }}
      >
        <p>Every request made with it will be refused within 5 seconds. This cannot be undone.</p>
        <ProblemMessage error={revoke.error} />
      </ConfirmDialog>
    </>
  );
}
