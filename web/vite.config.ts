import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The dev server proxies the API and the SDK file to a running `recomengine serve`
// (RECOM_API, default its own default address), so the dashboard talks same-origin as in
// production and the refresh cookie (Path=/api/v1/auth) works.
// (Node's process, declared here rather than pulling in @types/node for one line.)
declare const process: { env: Record<string, string | undefined> };
const api = process.env.RECOM_API || "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": api, "/sdk": api } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    setupFiles: ["src/testSetup.ts"],
  },
});
