// Who the shopper is: an anonymous id kept in first-party storage, the id the shop gives
// with identify(), and a per-tab session id. Storage may be blocked (private modes,
// sandboxed frames, strict cookie settings): then the ids live in memory for the page.

const anonKey = "recomengine:anonymousId";
const userKey = "recomengine:userId";
const sessionKey = "recomengine:sessionId";

const memory: Record<string, string> = {};

function read(store: () => Storage, key: string): string {
  try {
    return store().getItem(key) || memory[key] || "";
  } catch {
    return memory[key] || "";
  }
}

function write(store: () => Storage, key: string, value: string): void {
  memory[key] = value;
  try {
    if (value) store().setItem(key, value);
    else store().removeItem(key);
  } catch {
    // memory holds it
  }
}

// Storage is reached through a function: even reading window.localStorage throws where
// storage is blocked.
const local = () => localStorage;
const session = () => sessionStorage;

/** uuid is a random v4 UUID; crypto.randomUUID exists only on secure (https) pages. */
function uuid(): string {
  const c = window.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  let s = "";
  for (let i = 0; i < 16; i++) s += (i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "") + (b[i] + 256).toString(16).slice(1);
  return s;
}

/** stored returns the id kept under key, creating it on first use. */
function stored(store: () => Storage, key: string): string {
  let id = read(store, key);
  if (!id) write(store, key, (id = uuid()));
  return id;
}

export const anonymousId = (): string => stored(local, anonKey);
export const sessionId = (): string => stored(session, sessionKey);

/** userId is the id given to identify(), else the anonymous id. */
export const userId = (): string => read(local, userKey) || anonymousId();

/**
 * identify makes id the user of every later request and event, on this page and the
 * next ones (it is kept, so a shop need not call it on every page). An empty id (a
 * logout) goes back to the anonymous id.
 */
export function identify(id: unknown): void {
  write(local, userKey, typeof id == "string" || typeof id == "number" ? String(id).trim().slice(0, 128) : "");
}
