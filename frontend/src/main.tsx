import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles/global.css";
import "./styles/designer.css";
import { useThemeStore } from "./lib/theme";
import { App, preloadRoute } from "./App";
import { probeMe } from "./api/auth";

useThemeStore.getState(); // applies the saved or preferred theme before the first paint

// The sign-in probe and the route's chunk load in parallel, before the first render.
if (window.location.pathname !== "/login") probeMe();
preloadRoute(window.location.pathname);

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
