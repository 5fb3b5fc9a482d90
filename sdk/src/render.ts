// Drawing a widget into its shadow root. Every value from the API goes in through
// textContent, an attribute checked by config.ts (http(s) URLs only) or a CSS custom
// property set through the CSSOM (hex colours and integers only): never through HTML or a
// style sheet's text, so a product name cannot inject markup or CSS.

import { Item, RecommendationSet, WidgetConfig } from "./config";
import { guard } from "./safe";

// Columns shrink on narrow containers (a card is at least 9rem wide) so four columns on a
// phone do not squeeze the cards to nothing.
const css =
  ":host{display:block}" +
  ".re{color:var(--t);background:var(--b);padding:.5rem 0}" +
  ".hd{display:flex;align-items:center;gap:.5rem;margin:0 0 .75rem}" +
  "h2{font-size:1.15em;margin:0 auto 0 0}" +
  "ul{list-style:none;margin:0;padding:0;display:grid;gap:1rem;--w:calc((100% - (var(--c) - 1)*1rem)/var(--c))}" +
  ".grid ul{grid-template-columns:repeat(auto-fill,minmax(max(9rem,var(--w)),1fr))}" +
  // The row scrolls, so it clips: its padding leaves room for a card's focus ring.
  ".carousel ul{grid-auto-flow:column;grid-auto-columns:max(9rem,var(--w));overflow-x:auto;" +
  "scroll-snap-type:x mandatory;scroll-padding:0 5px;scroll-behavior:smooth;padding:5px 5px .75rem}" +
  "li{position:relative;display:flex;flex-direction:column;gap:.4rem;min-width:0;scroll-snap-align:start}" +
  "img{display:block;width:100%;aspect-ratio:1;object-fit:cover;border-radius:var(--r)}" +
  ".n{font-weight:600;overflow-wrap:anywhere}" +
  "a{margin-top:auto;align-self:flex-start;padding:.5em 1em;border-radius:var(--r);" +
  "background:var(--p);color:var(--i);text-decoration:none;font-weight:600}" +
  // The link covers its whole card (image and name included): one link and one tab stop
  // per product, and the focus ring goes round the card.
  "a:after{content:'';position:absolute;top:0;right:0;bottom:0;left:0;border-radius:var(--r)}" +
  "button{font:inherit;min-width:2.75rem;min-height:2.75rem;border:1px solid;border-radius:var(--r);" +
  "background:var(--b);color:var(--t);cursor:pointer}button:disabled{opacity:.4;cursor:default}" +
  // The focus ring is black outside white, so it shows on any theme's colours. It is drawn
  // on every focus and taken off a mouse's: a browser without :focus-visible drops that
  // last rule as invalid, and so still shows the ring to keyboard users.
  "a:focus{outline:0}a:focus:after,button:focus{outline:2px solid #000;outline-offset:2px;box-shadow:0 0 0 2px #fff}" +
  "a:focus:not(:focus-visible):after,button:focus:not(:focus-visible){outline:0;box-shadow:none}" +
  "@media (prefers-reduced-motion:reduce){ul{scroll-behavior:auto}}";

/** Card is a drawn product: its element, and its link when it has one. */
export interface Card {
  el: HTMLElement;
  link?: HTMLAnchorElement;
  item: Item;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/**
 * ink is black or white, whichever reads better on the hex colour bg (WCAG relative
 * luminance): a brand colour as CTA background must not leave its text unreadable.
 */
export function ink(bg: string): string {
  const h = bg.length == 4 ? bg.replace(/\w/g, "$&$&") : bg;
  let l = 0;
  for (let i = 0; i < 3; i++) {
    const c = parseInt(h.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    l += [0.2126, 0.7152, 0.0722][i] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  }
  return l > 0.179 ? "#000" : "#fff";
}

/** money formats a price in the page's language, with the item's currency when known. */
function money(n: number, currency?: string): string {
  const opts: Intl.NumberFormatOptions = currency ? { style: "currency", currency } : { minimumFractionDigits: 2 };
  for (const lang of [document.documentElement.lang, undefined]) {
    try {
      return new Intl.NumberFormat(lang || undefined, opts).format(n);
    } catch {
      // a malformed lang attribute or currency: try the browser's default
    }
  }
  return String(n);
}

// The shadow roots made, by container: a container taken out of the page and put back is
// drawn again into the root it already has (a second attachShadow would throw).
const roots = new WeakMap<HTMLElement, ShadowRoot>();
// What a drawn widget set up beyond its own elements (a ResizeObserver), undone when it goes.
const undo = new WeakMap<ShadowRoot, () => void>();

/**
 * mount gives the container an open shadow root holding the widget CSS, so the page's
 * styles and ours cannot reach each other. A constructed style sheet passes pages whose
 * CSP forbids inline styles. Returns null when the container cannot take one (another
 * script gave it a shadow root, or it is an element that may not have one).
 */
export function mount(container: HTMLElement): ShadowRoot | null {
  const made = roots.get(container);
  if (made) return made;
  try {
    const root = container.attachShadow({ mode: "open" });
    roots.set(container, root);
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.appendChild(el("style", "", css)); // browsers before constructable sheets
    }
    return root;
  } catch {
    return null;
  }
}

function card(item: Item, cfg: WidgetConfig): Card {
  const li = el("li");
  if (item.imageUrl) {
    const img = el("img");
    img.src = item.imageUrl;
    img.alt = ""; // the name is the text beside it: a screen reader need not say it twice
    img.loading = "lazy";
    img.decoding = "async";
    li.appendChild(img);
  }
  li.appendChild(el("span", "n", item.name));
  if (cfg.showPrice && item.price !== undefined) li.appendChild(el("span", "pr", money(item.price, item.currency)));
  const c: Card = { el: li, item };
  if (item.url) {
    const a = (c.link = el("a", "", cfg.ctaText));
    a.href = item.url;
    // The visible CTA is the same on every card; the name tells a screen reader's list of
    // links which product each one opens (the label starts with the visible text, WCAG 2.5.3).
    a.setAttribute("aria-label", cfg.ctaText + ": " + item.name);
    li.appendChild(a);
  }
  return c;
}

/**
 * carouselButtons adds previous and next buttons that scroll the list by one view, each
 * disabled while there is nothing more its way; returns what stops watching the list's size.
 */
function carouselButtons(head: HTMLElement, list: HTMLElement): (() => void) | undefined {
  const prev = el("button", "", "\u2039");
  const next = el("button", "", "\u203a");
  prev.setAttribute("aria-label", "Previous products");
  next.setAttribute("aria-label", "Next products");
  const update = guard(() => {
    prev.disabled = list.scrollLeft <= 1;
    next.disabled = list.scrollLeft + list.clientWidth >= list.scrollWidth - 1;
  });
  const by = (dir: number) =>
    guard(() => {
      list.scrollBy({ left: dir * list.clientWidth });
      update();
    });
  prev.onclick = by(-1);
  next.onclick = by(1);
  list.addEventListener("scroll", update, { passive: true });
  head.append(prev, next);
  requestAnimationFrame(update); // sizes are known once laid out
  // A narrower or wider container shows more or fewer cards at once.
  if (typeof ResizeObserver != "function") return undefined;
  const ro = new ResizeObserver(update);
  ro.observe(list);
  return () => ro.disconnect();
}

/** render replaces root's content with the widget and returns its cards. */
export function render(root: ShadowRoot, cfg: WidgetConfig, set: RecommendationSet): Card[] {
  const t = cfg.theme;
  const box = el("section", "re " + cfg.layout);
  const vars: Record<string, string> = {
    "--p": t.primaryColor, "--i": ink(t.primaryColor), "--t": t.textColor, "--b": t.backgroundColor,
    "--r": t.borderRadius + "px", "--c": String(cfg.columns),
  };
  for (const k in vars) box.style.setProperty(k, vars[k]);
  const head = el("div", "hd");
  const list = el("ul");
  list.setAttribute("role", "list"); // list-style:none drops list semantics in Safari
  // A titled widget is a region named by its title. An untitled one is no landmark: a
  // page with several would list as many regions of one name. Its list is named instead.
  if (cfg.title) {
    const h = el("h2", "", cfg.title);
    h.id = "t"; // ids are the shadow root's own
    box.setAttribute("aria-labelledby", "t");
    head.appendChild(h);
  } else list.setAttribute("aria-label", "Recommended products");
  const cards = set.items.map((item) => card(item, cfg));
  for (const c of cards) list.appendChild(c.el);
  const stop = cfg.layout == "carousel" ? carouselButtons(head, list) : undefined;
  if (head.firstChild) box.appendChild(head);
  box.appendChild(list);
  clear(root);
  root.appendChild(box); // in the same task: the old widget is never seen gone
  if (stop) undo.set(root, stop);
  return cards;
}

/** clear empties a widget: the API refused it, it has nothing to show, or it left the page. */
export function clear(root: ShadowRoot): void {
  const stop = undo.get(root);
  if (stop) stop();
  undo.delete(root);
  const old = root.querySelector("section");
  if (old) root.removeChild(old);
}
