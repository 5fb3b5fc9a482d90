// Impressions by the IAB viewability rule: a card counts as seen once at least half of it
// has been on screen, in a visible tab, for one continuous second. Each product is counted
// once per recommendation set (recommendationId), however often it scrolls in and out.

import { guard } from "./safe";
import { Fields, track } from "./tracker";

interface Watch {
  card: Element;
  event: Fields; // productId, recommendationId, placement, position
  visible: boolean; // at least half on screen
  timer?: ReturnType<typeof setTimeout>;
}

const minRatio = 0.5;
const minMs = 1000;

const watched = new Map<Element, Watch>();
const counted: Record<string, 1> = {};
let observer: IntersectionObserver | undefined;

/** watchImpression starts timing a card's visibility; event is what its impression sends. */
export function watchImpression(card: Element, event: Fields): void {
  if (typeof IntersectionObserver != "function" || counted[key(event)]) return;
  if (!observer) {
    observer = new IntersectionObserver(guard(onIntersect), { threshold: minRatio });
    // A hidden tab stops every clock; showing it again restarts those of visible cards.
    document.addEventListener("visibilitychange", guard(() => watched.forEach(schedule)));
  }
  watched.set(card, { card, event, visible: false });
  observer.observe(card);
}

/** unwatchImpressions forgets the cards of a widget that is being redrawn or removed. */
export function unwatchImpressions(cards: Iterable<Element>): void {
  for (const card of Array.from(cards)) {
    const w = watched.get(card);
    if (!w) continue;
    clearTimeout(w.timer);
    watched.delete(card);
    if (observer) observer.unobserve(card);
  }
}

function key(e: Fields): string {
  return e.recommendationId + "\n" + e.productId;
}

function onIntersect(entries: IntersectionObserverEntry[]): void {
  for (const e of entries) {
    const w = watched.get(e.target);
    if (!w) continue;
    w.visible = e.isIntersecting && e.intersectionRatio >= minRatio;
    schedule(w);
  }
}

/** schedule starts the card's one-second clock while it is seen, and stops it otherwise. */
function schedule(w: Watch): void {
  if (w.visible && !document.hidden) {
    if (!w.timer) w.timer = setTimeout(guard(() => count(w)), minMs);
  } else {
    clearTimeout(w.timer);
    w.timer = undefined;
  }
}

function count(w: Watch): void {
  w.timer = undefined;
  const k = key(w.event);
  if (!counted[k]) {
    counted[k] = 1;
    track("recommendation_impressed", w.event);
  }
  unwatchImpressions([w.card]);
}
