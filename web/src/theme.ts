// Light and dark themes: the system's preference until the admin picks one, which is then
// remembered in localStorage. The choice is a data-theme attribute on <html>; CSS does the rest.

export type Theme = "light" | "dark";
const storageKey = "recomengine.theme";

export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(storageKey);
    return t === "light" || t === "dark" ? t : null;
  } catch {
    return null;
  }
}

export function currentTheme(): Theme {
  return storedTheme() ?? (typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
}

export function applyTheme(t: Theme, remember = false) {
  document.documentElement.dataset.theme = t;
  if (remember) {
    try {
      localStorage.setItem(storageKey, t);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }
}
