// What the API sends the SDK, and the hand-written checks that turn its JSON into values
// safe to draw. The server validates too; these checks keep a bad or hostile answer from
// ever reaching CSS, an href or a src (STYLE: no Zod, the bundle has a 10 KB budget).

export type Layout = "grid" | "carousel";

export interface Theme {
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  borderRadius: number;
}

/** WidgetConfig is GET /api/v1/widgets/{placement}'s data (US7, FR-023). */
export interface WidgetConfig {
  layout: Layout;
  columns: number;
  showPrice: boolean;
  ctaText: string;
  itemCount: number;
  strategy?: string;
  title?: string;
  theme: Theme;
}

/** Item is one recommendation as the SDK draws it. */
export interface Item {
  productId: string;
  name: string;
  imageUrl: string; // "" when absent or not http(s); https on an https page
  url: string; // "" when absent or not http(s): the card is then not a link
  price?: number;
  currency?: string;
}

/** RecommendationSet is one answer of GET /api/v1/recommendations. */
export interface RecommendationSet {
  items: Item[];
  recommendationId: string; // "" when absent: impressions and clicks are then not sent
}

const strategies = ["collaborative", "content_based", "trending", "frequently_bought_together"];

// The server's defaults for an unconfigured placement (recom.DefaultWidget), used for any
// field that arrives missing or out of range.
const defaultTheme: Theme = { primaryColor: "#1a56db", textColor: "#1f2937", backgroundColor: "#ffffff", borderRadius: 8 };

type Obj = Record<string, unknown>;

/** isObject reports whether x is a plain JSON object. */
export function isObject(x: unknown): x is Obj {
  return typeof x == "object" && x !== null && !Array.isArray(x);
}

function text(x: unknown): string {
  return typeof x == "string" ? x.trim() : "";
}

/** int returns x when it is an integer from min to max, else fallback. */
function int(x: unknown, min: number, max: number, fallback: number): number {
  return typeof x == "number" && x % 1 === 0 && x >= min && x <= max ? x : fallback;
}

/** color returns x when it is #rgb or #rrggbb (nothing else may reach the CSS), else fallback. */
function color(x: unknown, fallback: string): string {
  return typeof x == "string" && /^#([0-9a-f]{3}){1,2}$/i.test(x) ? x : fallback;
}

/** readConfig checks the data of a widget config answer; null when it is not one. */
export function readConfig(data: unknown): WidgetConfig | null {
  if (!isObject(data)) return null;
  const t = isObject(data.theme) ? data.theme : {};
  const strategy = text(data.strategy);
  return {
    layout: data.layout == "carousel" ? "carousel" : "grid",
    columns: int(data.columns, 1, 6, 4),
    showPrice: data.showPrice !== false,
    ctaText: text(data.ctaText) || "View",
    itemCount: int(data.itemCount, 1, 20, 4),
    strategy: strategies.indexOf(strategy) >= 0 ? strategy : undefined,
    title: text(data.title) || undefined,
    theme: {
      primaryColor: color(t.primaryColor, defaultTheme.primaryColor),
      textColor: color(t.textColor, defaultTheme.textColor),
      backgroundColor: color(t.backgroundColor, defaultTheme.backgroundColor),
      borderRadius: int(t.borderRadius, 0, 32, defaultTheme.borderRadius),
    },
  };
}

/**
 * safeURL returns s as an absolute http(s) URL, or "" for anything else (javascript:,
 * data:…). With upgrade, an http URL on an https page becomes https: a picture fetched
 * over http there is mixed content, which Chrome upgrades itself but with a console
 * warning (US6-3: the SDK logs nothing). Links are left alone: following one is a
 * navigation, not mixed content, and Chrome tries https first and falls back to http.
 */
export function safeURL(s: unknown, upgrade?: boolean): string {
  try {
    const u = new URL(text(s), location.href);
    if (upgrade && u.protocol == "http:" && location.protocol == "https:") u.protocol = "https:";
    return /^https?:$/.test(u.protocol) && text(s) ? u.href : "";
  } catch {
    return "";
  }
}

/** readRecommendations checks a recommendations answer, dropping items it cannot draw. */
export function readRecommendations(body: unknown): RecommendationSet | null {
  if (!isObject(body) || !Array.isArray(body.data)) return null;
  const items: Item[] = [];
  for (const x of body.data) {
    if (!isObject(x) || !text(x.productId) || !text(x.name)) continue;
    items.push({
      productId: text(x.productId),
      name: text(x.name),
      imageUrl: safeURL(x.imageUrl, true),
      url: safeURL(x.url),
      price: typeof x.price == "number" && isFinite(x.price) ? x.price : undefined,
      currency: /^[A-Z]{3}$/.test(text(x.currency)) ? text(x.currency) : undefined,
    });
  }
  const meta = isObject(body.meta) ? body.meta : {};
  return { items, recommendationId: text(meta.recommendationId) };
}
