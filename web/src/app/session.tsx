// The admin's session: unknown until the first refresh answers, then signed in or out.

import { useSyncExternalStore } from "react";
import { onSession, refresh } from "../api/client";
import type { User } from "../api/schemas";

export type SessionState = { status: "loading" } | { status: "signedOut" } | { status: "signedIn"; user: User };

let state: SessionState = { status: "loading" };
const subscribers = new Set<() => void>();
onSession((s) => {
  state = s ? { status: "signedIn", user: s.user } : { status: "signedOut" };
  for (const f of subscribers) f();
});
let started = false;

function subscribe(f: () => void) {
  subscribers.add(f);
  // On load the access token is gone (it lives in memory): the refresh cookie gives a new one.
  if (!started) {
    started = true;
    void refresh();
  }
  return () => subscribers.delete(f);
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, () => state);
}
