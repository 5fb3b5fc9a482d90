// The dashboard's shell: skip link, header (tenant switcher, theme, sign out), and the page
// for the URL. Pages of a tenant share TenantLayout, whose navigation lists its sections.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { signOut } from "../api/client";
import { AuthPage } from "../features/auth/AuthPage";
import { IntegrationPage } from "../features/integration/IntegrationPage";
import { KeysPage } from "../features/keys/KeysPage";
import { TenantsPage } from "../features/tenants/TenantsPage";
import { WidgetPage, WidgetsPage } from "../features/widgets/WidgetsPage";
import { Link, match, navigate, usePath } from "../router";
import { ThemeSwitch } from "./ThemeSwitch";
import { TenantLayout } from "./TenantLayout";
import { useSession } from "./session";

export function App() {
  const session = useSession();
  const path = usePath();
  const queries = useQueryClient();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // A new page moves focus to its content, as a full page load would put a screen reader there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  const signedIn = session.status === "signedIn";
  useEffect(() => {
    if (signedIn && (path === "/" || path === "/login" || path === "/signup")) navigate("/tenants", true);
    if (session.status === "signedOut") queries.clear();
  }, [signedIn, session.status, path, queries]);

  let page: ReactNode;
  if (session.status === "loading") page = <p className="muted">Loading…</p>;
  else if (!signedIn) page = <AuthPage kind={path === "/signup" ? "signup" : "login"} />;
  else page = routePage(path);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href={signedIn ? "/tenants" : "/login"} className="brand">
          RecomEngine
        </Link>
        <div className="top-actions">
          <ThemeSwitch />
          {signedIn && (
            <>
              <span className="muted who">{session.user.email}</span>
              <button
                type="button"
                className="btn"
                onClick={async () => {
                  await signOut();
                  navigate("/login", true);
                }}
              >
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function routePage(path: string) {
  if (match("/tenants", path)) return <TenantsPage />;
  let m: Record<string, string> | null;
  if ((m = match("/tenants/:id/keys", path))) return <TenantLayout tenantId={m.id} section="keys" title="API keys" page={<KeysPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/integration", path)))
    return <TenantLayout tenantId={m.id} section="integration" title="Integration" page={<IntegrationPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/widgets", path))) return <TenantLayout tenantId={m.id} section="widgets" title="Widgets" page={<WidgetsPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/widgets/:placement", path)))
    return (
      <TenantLayout
        tenantId={m.id}
        section="widgets"
        title={`Widget: ${m.placement}`}
        page={<WidgetPage tenantId={m.id} placement={m.placement} key={m.placement} />}
      />
    );
  if ((m = match("/tenants/:id", path)))
    return <TenantLayout tenantId={m.id} section="integration" title="Integration" page={<IntegrationPage tenantId={m.id} />} />;
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href="/tenants">Go to your tenants</Link>
      </p>
    </>
  );
}
