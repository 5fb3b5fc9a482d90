// The dashboard's shell: skip link, header (tenant switcher, theme, sign out), and the page
// for the URL. Pages of a tenant share TenantLayout, whose navigation lists its sections.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { signOut } from "../api/client";
import { forgetAll } from "../features/keys/sessionKeys";
import { AnalyticsPage } from "../features/analytics/AnalyticsPage";
import { AuthPage } from "../features/auth/AuthPage";
import { CatalogPage, ProductPage } from "../features/catalog/CatalogPage";
import { ExperimentPage, ExperimentsPage, NewExperimentPage } from "../features/experiments/ExperimentsPage";
import { IntegrationPage } from "../features/integration/IntegrationPage";
import { KeysPage } from "../features/keys/KeysPage";
import { PreviewPage } from "../features/preview/PreviewPage";
import { TenantsPage } from "../features/tenants/TenantsPage";
import { WidgetPage, WidgetsPage } from "../features/widgets/WidgetsPage";
import { Link, match, navigate, usePath } from "../router";
import { ThemeSwitch } from "./ThemeSwitch";
import { TenantLayout } from "./TenantLayout";
import { startSession, useSession } from "./session";
import { useTitle } from "./title";

export function App() {
  const session = useSession();
  const path = usePath();
  const queries = useQueryClient();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  const [logoutError, setLogoutError] = useState("");
  const [loggingOut, setLoggingOut] = useState(false);

  // A new page moves focus to its heading, as a full page load would put a screen reader
  // at the top of the content (the main region when the page has no heading yet).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = main.current?.querySelector<HTMLElement>("h1");
    if (h1) {
      h1.tabIndex = -1;
      h1.focus();
    } else main.current?.focus();
  }, [path]);

  const signedIn = session.status === "signedIn";
  useEffect(() => {
    if (signedIn && (path === "/" || path === "/login" || path === "/signup")) navigate("/tenants", true);
    if (session.status === "signedOut") {
      // Signed out here or in another tab: nothing of the session stays in memory.
      queries.cancelQueries();
      queries.clear();
      forgetAll();
      setLogoutError("");
    }
  }, [signedIn, session.status, path, queries]);

  const logOut = async () => {
    setLogoutError("");
    setLoggingOut(true);
    try {
      await signOut();
      navigate("/login", true);
    } catch (err) {
      setLogoutError(err instanceof Error ? err.message : "Logging out failed: you are still signed in.");
    } finally {
      setLoggingOut(false);
    }
  };

  let page: ReactNode;
  if (session.status === "loading") page = <Loading />;
  else if (session.status === "unreachable")
    page = (
      <>
        <h1>Cannot reach RecomEngine</h1>
        <p role="alert">Your session could not be checked: the server did not answer. Check your connection, then try again.</p>
        <button type="button" className="btn primary" onClick={startSession}>
          Try again
        </button>
      </>
    );
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
              <button type="button" className="btn" onClick={logOut} disabled={loggingOut}>
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      {logoutError && (
        <p role="alert" className="problem top-alert">
          {logoutError}
        </p>
      )}
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function Loading() {
  useTitle("Loading");
  return <p className="muted">Loading…</p>;
}

function NotFound() {
  useTitle("Page not found");
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href="/tenants">Go to your tenants</Link>
      </p>
    </>
  );
}

// Every tenant page is keyed by its tenant (and a widget's by its placement too): moving to
// another tenant starts its pages afresh, with none of the previous tenant's state.
function routePage(path: string) {
  if (match("/tenants", path)) return <TenantsPage />;
  let m: Record<string, string> | null;
  if ((m = match("/tenants/:id/analytics", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="analytics" title="Analytics" page={<AnalyticsPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/keys", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="keys" title="API keys" page={<KeysPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/integration", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="integration" title="Integration" page={<IntegrationPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/widgets", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="widgets" title="Widgets" page={<WidgetsPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/preview", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="preview" title="Recommendation preview" page={<PreviewPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/experiments", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="experiments" title="Experiments" page={<ExperimentsPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/experiments/new", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="experiments" title="New experiment" page={<NewExperimentPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/experiments/:expId", path)))
    return (
      <TenantLayout
        key={m.id}
        tenantId={m.id}
        section="experiments"
        title="Experiment"
        page={<ExperimentPage tenantId={m.id} experimentId={m.expId} key={`${m.id}\u0000${m.expId}`} />}
      />
    );
  if ((m = match("/tenants/:id/catalog", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="catalog" title="Catalog" page={<CatalogPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/catalog/new", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="catalog" title="New product" page={<ProductPage tenantId={m.id} />} />;
  if ((m = match("/tenants/:id/catalog/items/:productId", path)))
    return (
      <TenantLayout
        key={m.id}
        tenantId={m.id}
        section="catalog"
        title={`Product: ${m.productId}`}
        page={<ProductPage tenantId={m.id} productId={m.productId} key={`${m.id}\u0000${m.productId}`} />}
      />
    );
  if ((m = match("/tenants/:id/widgets/:placement", path)))
    return (
      <TenantLayout
        key={m.id}
        tenantId={m.id}
        section="widgets"
        title={`Widget: ${m.placement}`}
        page={<WidgetPage tenantId={m.id} placement={m.placement} key={`${m.id}\u0000${m.placement}`} />}
      />
    );
  if ((m = match("/tenants/:id", path)))
    return <TenantLayout key={m.id} tenantId={m.id} section="analytics" title="Analytics" page={<AnalyticsPage tenantId={m.id} />} />;
  return <NotFound />;
}
