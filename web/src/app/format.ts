// Formatting shared by the pages: numbers, percentages and money with Intl in the browser's
// locale, strategy names in words, and links only to http(s) URLs.

const locale = undefined; // the browser's

/** money writes n in currency; an unknown currency code is written after the number. */
export function money(n: number, currency: string) {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(n);
  } catch {
    return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n) + " " + currency;
  }
}
export const count = (n: number) => new Intl.NumberFormat(locale).format(n);
export const percent = (n: number, digits = 1) => new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits }).format(n);

export const strategyLabels: Record<string, string> = {
  collaborative: "Collaborative filtering",
  content_based: "Content-based",
  trending: "Trending",
  frequently_bought_together: "Frequently bought together",
  trending_fallback: "Trending (cold-start fallback)",
};

/** safeHref is url when it is an absolute http(s) URL, else undefined (never a javascript: link). */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}
