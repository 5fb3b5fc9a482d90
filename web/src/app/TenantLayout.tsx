import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { getTenant } from "../api/endpoints";
import { Link, usePath } from "../router";
import { ProblemMessage } from "./Problem";
import { useTitle } from "./title";

// The sections of a tenant, in navigation order; analytics, the merchant's main page, first.
const sections = [
  { id: "analytics", label: "Analytics" },
  { id: "experiments", label: "Experiments" },
  { id: "catalog", label: "Catalog" },
  { id: "widgets", label: "Widgets" },
  { id: "preview", label: "Preview" },
  { id: "integration", label: "Integration" },
  { id: "keys", label: "API keys" },
] as const;
export type Section = (typeof sections)[number]["id"];

export function TenantLayout({ tenantId, section, title, page }: { tenantId: string; section: Section; title: string; page: ReactNode }) {
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => getTenant(tenantId) });
  const base = `/tenants/${encodeURIComponent(tenantId)}`;
  const path = usePath();
  const name = tenant.data?.data.name;
  useTitle(title, name);
  return (
    <div className="tenant">
      <nav aria-label="Tenant sections" className="side">
        <p className="side-tenant">
          <Link href="/tenants">All tenants</Link>
        </p>
        <ul>
          {sections.map((s) => (
            <li key={s.id}>
              <Link
                href={`${base}/${s.id}`}
                className={s.id === section ? "current" : undefined}
                // The section of the page shown, also on its nested pages (a widget's placement).
                aria-current={s.id === section ? (path === `${base}/${s.id}` ? "page" : "true") : undefined}
              >
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="content">
        <h1>
          {title}
          {name && <span className="muted h1-tenant"> · {name}</span>}
        </h1>
        {tenant.isError ? <ProblemMessage error={tenant.error} /> : page}
      </div>
    </div>
  );
}
