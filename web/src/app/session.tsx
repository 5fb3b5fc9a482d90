// The admin's session: unknown until the first refresh answers, then signed in or out, or
// "unreachable" when that refresh could not be done (network, 5xx, 429): a retry may work.

import { useSyncExternalStore } from "react";
import { onSession, refresh } from "../api/client";
import type { User } from "../api/schemas";

export type SessionState = { status: "loading" } | { status: "unreachable" } | { status: "signedOut" } | { status: "signedIn"; user: User };

let state: SessionState = { status: "loading" };
const subscribers = new Set<() => void>();
function set(s: SessionState) {
  state = s;
  for (const f of subscribers) f();
}
onSession((s) => set(s ? { status: "signedIn", user: s.user } : { status: "signedOut" }));
let started = false;

/** startSession asks the refresh cookie for a session (again, after "unreachable"). */
export function startSession() {
  if (state.status !== "loading") set({ status: "loading" });
  refresh().catch(() => {
    if (state.status === "loading") set({ status: "unreachable" });
  });
}

function subscribe(f: () => void) {
  subscribers.add(f);
  // On load the access token is gone (it lives in memory): the refresh cookie gives a new one.
  if (!started) {
    started = true;
    startSession();
  }
  return () => subscribers.delete(f);
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, () => state);
}
