// The real RecomEngine server for the browser tests: built from this repo (after the SDK
// build, so the binary embeds sdk/dist), started on a port of its own choosing with a fresh
// SQLite file, and a small client for the admin and key APIs the tests set up with.

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * freePort asks the OS for a port nobody listens on. Another process may take it once it is
 * closed: use it only for an address that must refuse connections (a dead API), never for
 * a server to listen on (bind port 0 and read the address back).
 */
export async function freePort() {
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

/** startServer builds and starts `recomengine serve`; stop() kills it and removes its files. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "recomengine-sdk-"));
  const bin = join(dir, "recomengine");
  // Cold, on two cores, the build takes a while; a warm cache makes it seconds.
  const built = spawnSync("go", ["build", "-o", bin, "./cmd/recomengine"], { cwd: repoRoot, encoding: "utf8", timeout: 300_000 });
  if (built.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error("go build ./cmd/recomengine failed:\n" + (built.stderr || built.error));
  }
  // Port 0: the OS picks a free port as the server binds it, so no other process can take
  // it in between; the server prints the address it got ("… serving on http://…").
  const proc = spawn(bin, ["serve"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      RECOM_ADDR: "127.0.0.1:0",
      RECOM_DATABASE_URL: `sqlite:${join(dir, "r.db")}`,
      RECOM_JWT_SECRET: randomBytes(32).toString("hex"),
      RECOM_KEY_PEPPER: randomBytes(32).toString("hex"),
      RECOM_BCRYPT_COST: "10",
      RECOM_LOG_LEVEL: "warn",
    },
  });
  let output = "";
  let exited = false;
  const served = new Promise((ok, fail) => {
    const read = (chunk) => {
      output += chunk;
      const m = /serving on (https?:\/\/\S+)/.exec(output);
      if (m) ok(m[1]);
    };
    proc.stdout.setEncoding("utf8").on("data", read);
    proc.stderr.setEncoding("utf8").on("data", read);
    proc.once("exit", (code, signal) => {
      exited = true;
      fail(new Error(`recomengine serve exited (${signal || code}) before it served`));
    });
  });
  // However this process ends (a failed assertion, Ctrl-C, a crash), the server goes too.
  const killNow = () => exited || proc.kill("SIGKILL");
  process.on("exit", killNow);
  const stop = async () => {
    if (!exited) {
      proc.kill("SIGTERM");
      await Promise.race([new Promise((ok) => proc.once("exit", ok)), sleep(5000)]);
      killNow();
    }
    process.off("exit", killNow);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await Promise.race([served, sleep(20_000, undefined, { ref: false }).then(() => Promise.reject(new Error("recomengine serve did not serve within 20 s")))]);
    await waitReady(url, () => exited);
    return { url, stop, logs: () => output };
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\nserver output:\n${output}`);
  }
}
async function waitReady(url, exited) {
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(100)) {
    if (exited()) throw new Error("recomengine serve exited before it was ready");
    try {
      if ((await fetch(url + "/readyz")).status === 200) return;
    } catch {
      // not listening yet
    }
  }
  throw new Error("recomengine serve was not ready within 20 s");
}

/**
 * api calls the API and returns the parsed body, throwing with the problem document on
 * any status other than the ones expected.
 */
export async function api(base, method, path, { token, key, body, expect = [200, 201, 202, 204] } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * setUpShop signs an admin up and creates a tenant whose publishable keys may be used from
 * origin, a secret and a publishable key (createKey makes more), a catalog of products
 * (pictures and pages on the storefront) and enough events for trending to rank them.
 */
export async function setUpShop(base, origin) {
  const email = `sdk-${randomBytes(4).toString("hex")}@shop.example`;
  const signup = await api(base, "POST", "/api/v1/auth/signup", { body: { email, password: "correct horse battery staple" } });
  const token = signup.data.token;
  const tenant = (await api(base, "POST", "/api/v1/tenants", { token, body: { name: "SDK test shop", config: { allowedOrigins: [origin] } } })).data;
  const createKey = async (body) => (await api(base, "POST", `/api/v1/tenants/${tenant.id}/api-keys`, { token, body })).data;
  const secretKey = (await createKey({ name: "seeding", permissions: "read_write" })).key;
  const publishableKey = (await createKey({ name: "storefront", permissions: "read_write", type: "publishable" })).key;
  const products = Array.from({ length: 12 }, (_, i) => ({
    productId: `p${i + 1}`,
    name: `Product ${i + 1}`,
    category: i % 2 ? "Kitchen" : "Garden",
    price: 10 + i + 0.5,
    currency: "USD",
    imageUrl: `${origin}/img/p${i + 1}.svg`,
    url: `${origin}/product/p${i + 1}`,
  }));
  await api(base, "POST", "/api/v1/catalog/batch", { key: secretKey, body: { items: products } });
  const events = [];
  for (let u = 1; u <= 6; u++) {
    for (const p of products.slice(0, 6 + u)) events.push({ eventType: "product_viewed", userId: `seed-${u}`, productId: p.productId });
  }
  await api(base, "POST", "/api/v1/events/batch", { key: secretKey, body: { events } });
  // The tenant's first recommendation builds its model: done here, so that no test (the
  // 500 ms paint of US6-1 above all) measures that build.
  await api(base, "GET", "/api/v1/recommendations?userId=warm-up&limit=4", { key: secretKey });
  const admin = (method, path, body) => api(base, method, `/api/v1/tenants/${tenant.id}${path}`, { token, body });
  return { token, tenant, secretKey, publishableKey, products, admin, createKey };
}

/**
 * poll calls f until it returns a truthy value, or fails after timeoutMs. f may call
 * saw(x) with what it found, which the failure then shows.
 */
export async function poll(what, f, timeoutMs = 8000) {
  let seen = "nothing";
  const saw = (x) => {
    seen = JSON.stringify(x);
    return x;
  };
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(150)) {
    const got = await f(saw);
    if (got) return got;
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${seen}`);
}
