/** Light/dark theme: CSS variables switched by data-theme on <html>, persisted in localStorage. */
import { create } from "zustand";

export type Theme = "light" | "dark";
const KEY = "conveyor-theme";

function initialTheme(): Theme {
  if (typeof window === "undefined") return "light";
  const saved = window.localStorage.getItem(KEY);
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function apply(theme: Theme): void {
  if (typeof document !== "undefined") document.documentElement.dataset.theme = theme;
}

interface ThemeState {
  theme: Theme;
  toggle(): void;
}

export const useThemeStore = create<ThemeState>()((set, get) => {
  const theme = initialTheme();
  apply(theme);
  return {
    theme,
    toggle() {
      const next: Theme = get().theme === "dark" ? "light" : "dark";
      window.localStorage.setItem(KEY, next);
      apply(next);
      set({ theme: next });
    },
  };
});
