// Integration: what a developer pastes into the shop (the script tag with a publishable
// key, a container), a server-side example with a secret key, the origins publishable
// keys may be used from, and a live check that events arrive.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { getTenant, listAPIKeys, listEvents, updateAllowedOrigins } from "../../api/endpoints";
import { TextField } from "../../app/Field";
import { ProblemMessage } from "../../app/Problem";
import { originErrors, parseOrigins } from "../../app/origins";
import { Link } from "../../router";
import { CopyButton } from "../../app/CopyButton";
import { publishableKey } from "../keys/sessionKeys";

export function IntegrationPage({ tenantId }: { tenantId: string }) {
  const base = `/tenants/${encodeURIComponent(tenantId)}`;
  const keys = useQuery({ queryKey: ["apiKeys", tenantId, 0, "all"], queryFn: () => listAPIKeys(tenantId, 0, 100) });
  const pubKeys = keys.data?.data.filter((k) => k.type === "publishable") ?? [];
  // Prefer a key created in this tab, whose full value is known.
  const publishable = pubKeys.find((k) => publishableKey(k.id)) ?? pubKeys[0];
  const fullKey = publishable && publishableKey(publishable.id);
  const secret = keys.data?.data.find((k) => k.type === "secret");
  const origin = location.origin;
  // The list holds a key's prefix only (the full key was shown once): unless the key was
  // created in this tab, the tag shows the prefix and an ellipsis to complete from the copy.
  const pubKey = fullKey ?? (publishable ? `${publishable.prefix}…` : "");
  const scriptTag = `<script async src="${origin}/sdk/recomengine.v1.js" data-api-key="${pubKey}"></script>`;
  const container = `<div data-recomengine-placement="product-page" data-product-id="SKU-123"></div>`;
  const curl = `curl -X POST ${origin}/api/v1/events \\
  -H "X-API-Key: ${secret ? secret.prefix + "…" : "rk_live_…"}" \\
  -H "Content-Type: application/json" \\
  -d '{"eventType":"purchase","userId":"user-123","productId":"SKU-123","orderId":"order-1","price":19.99,"quantity":1}'`;

  return (
    <>
      <section aria-labelledby="script-tag">
        <h2 id="script-tag">1. Add the script to your shop</h2>
        <ProblemMessage error={keys.error} />
        {keys.isPending && <p className="muted">Loading keys…</p>}
        {keys.data && !publishable && (
          <p className="callout">
            This tenant has no publishable key yet. <Link href={`${base}/keys`}>Create a publishable key</Link> to get your script tag.
          </p>
        )}
        {publishable && (
          <>
            <p>
              Put this tag in every page’s <code>&lt;head&gt;</code>. It uses the publishable key <strong>{publishable.name}</strong>
              {fullKey ? "." : "; complete the key from the copy you stored when you created it."}
            </p>
            <Snippet label="Script tag" code={scriptTag} />
          </>
        )}
        <h3>Where widgets go</h3>
        <p>Each element with a placement shows a widget, configured on the Widgets page:</p>
        <Snippet label="Widget container" code={container} />
      </section>
      <section aria-labelledby="server-side">
        <h2 id="server-side">2. Send events from your server</h2>
        <p>
          Purchases are best sent from your server with a <strong>secret</strong> key (never put it in a page).
          {!secret && (
            <>
              {" "}
              <Link href={`${base}/keys`}>Create a secret key</Link> first.
            </>
          )}
        </p>
        <Snippet label="curl example" code={curl} />
      </section>
      <OriginsForm tenantId={tenantId} />
      <LiveEvents tenantId={tenantId} />
    </>
  );
}

function Snippet({ label, code }: { label: string; code: string }) {
  return (
    <figure className="snippet">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label.toLowerCase()}`} />
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}

function OriginsForm({ tenantId }: { tenantId: string }) {
  const queries = useQueryClient();
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const [text, setText] = useState<string | null>(null);
  const saved = (tenant.data?.data.config.allowedOrigins ?? []).join(" ");
  const value = text ?? saved;
  const [done, setDone] = useState("");
  const save = useMutation({
    mutationFn: (origins: string[]) => updateAllowedOrigins(tenantId, origins),
    onSuccess: (res) => {
      queries.setQueryData(["tenant", tenantId], res);
      void queries.invalidateQueries({ queryKey: ["tenants"] });
      setText(null);
      setDone("Allowed origins saved.");
    },
  });
  const error = originErrors(save.error, save.variables ?? []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone("");
    save.mutate(parseOrigins(value));
  };
  return (
    <section aria-labelledby="origins">
      <h2 id="origins">3. Allowed origins</h2>
      <form onSubmit={submit} noValidate className="stack narrow">
        <ProblemMessage error={save.error} fieldsShown={!!error} />
        <TextField
          label="Origins where publishable keys work"
          name="allowedOrigins"
          value={value}
          onChange={setText}
          error={error}
          hint="scheme://host[:port], separated by spaces, e.g. https://shop.example https://www.shop.example"
        />
        <div className="row">
          <button type="submit" className="btn primary" disabled={save.isPending || tenant.isPending}>
            Save origins
          </button>
          <span role="status">{done}</span>
        </div>
      </form>
    </section>
  );
}

type LiveState = "checking" | "failed" | "none" | "quiet" | "arriving";
const liveText: Record<LiveState, string> = {
  checking: "Checking for events…",
  failed: "Could not check for events; trying again.",
  none: "No events yet. Open a page of your shop with the script tag, or send the curl example.",
  quiet: "No new events since you opened this page. Open a page of your shop with the script tag, or send the curl example.",
  arriving: "Events are arriving.",
};

function LiveEvents({ tenantId }: { tenantId: string }) {
  // A few of the newest events are enough to see whether new ones come in.
  const events = useQuery({
    queryKey: ["events", tenantId],
    queryFn: () => listEvents(tenantId, 5),
    refetchInterval: 5000,
    refetchIntervalInBackground: false,
  });
  // "Checked n seconds ago" keeps the admin sure the check is alive.
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  const list = events.data?.data ?? [];
  const at = (e: { receivedAt?: string; timestamp?: string }) => Date.parse(e.receivedAt ?? e.timestamp ?? "") || 0;
  // The newest event already there when the page opened (the server's clock, not ours):
  // only events received after it count as arriving.
  const [baseline, setBaseline] = useState<number | null>(null);
  const newest = list.reduce((m, e) => Math.max(m, at(e)), 0);
  useEffect(() => {
    if (baseline === null && events.data) setBaseline(newest);
  }, [baseline, events.data, newest]);
  const arriving = baseline !== null && newest > baseline;
  const state: LiveState = arriving ? "arriving" : events.data ? (list.length === 0 ? "none" : "quiet") : events.isError ? "failed" : "checking";
  const ago = events.dataUpdatedAt ? Math.max(0, Math.round((Date.now() - events.dataUpdatedAt) / 1000)) : null;
  return (
    <section aria-labelledby="live">
      <h2 id="live">4. Events arriving</h2>
      <p className="muted">Checked every 5 seconds{ago !== null && <> · last check {ago} s ago</>}.</p>
      {/* One live region, always there; its text changes only when the state does. */}
      <p role="status" className={state === "arriving" ? "callout ok" : "callout"}>
        <span className={state === "arriving" ? "dot ok" : "dot waiting"} aria-hidden="true" /> {liveText[state]}
      </p>
      {list.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Newest events</caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">User</th>
                <th scope="col">Product</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e, i) => (
                <tr key={i}>
                  <td>{e.eventType}</td>
                  <td>{e.userId}</td>
                  <td>{e.productId ?? "—"}</td>
                  <td>{new Date(e.receivedAt ?? e.timestamp ?? "").toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
