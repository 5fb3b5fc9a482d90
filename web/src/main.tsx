import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { ErrorBoundary } from "./app/ErrorBoundary";
import { Router } from "./router";
import { applyTheme, currentTheme } from "./theme";
import "./styles.css";

applyTheme(currentTheme()); // before the first paint: no flash of the other theme

const queries = new QueryClient({
  defaultOptions: {
    queries: { retry: (n, err) => n < 2 && !(err instanceof Error && "status" in err && Number(err.status) < 500), staleTime: 10_000 },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <ErrorBoundary>
        <Router>
          <App />
        </Router>
      </ErrorBoundary>
    </QueryClientProvider>
  </StrictMode>,
);
