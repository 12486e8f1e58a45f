import { Suspense } from "react";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router-dom";
import { RequireAuth } from "./components/RequireAuth";
import { LoginPage } from "./features/auth/components/LoginPage";
import { PipelinesPage } from "./features/pipelines/components/PipelinesPage";
import { ComponentsPage } from "./features/components/components/ComponentsPage";
import { ComponentDetailPage } from "./features/components/components/ComponentDetailPage";
import { RunsPage } from "./features/runs/components/RunsPage";
import { EnvironmentsPage } from "./features/environments/components/EnvironmentsPage";
import { DatasetsPage } from "./features/datasets/components/DatasetsPage";
import { EnvironmentDetailPage } from "./features/environments/components/EnvironmentDetailPage";
import { preloadable } from "./lib/preloadable";

// The canvas (React Flow, dagre) is the heavy part: load it only on designer pages.
const designer = preloadable(
  () => import("./features/designer/components/DesignerPage"),
  (m) => m.DesignerPage,
);
const run = preloadable(
  () => import("./features/runs/components/RunPage"),
  (m) => m.RunPage,
);
const compare = preloadable(
  () => import("./features/runs/components/ComparePage"),
  (m) => m.ComparePage,
);
const DesignerPage = designer.Component;
const ComparePage = compare.Component;
const RunPage = run.Component;

/**
 * Start downloading the chunk a deep link needs while the sign-in probe is in flight; lazy()
 * alone would only ask for it once RequireAuth renders the route, a round trip later. The
 * lists fetch the page their rows open, so that opening one does not show "Loading…".
 */
export function preloadRoute(pathname: string): void {
  if (/^\/pipelines(\/|$)/.test(pathname)) void designer.preload();
  else if (pathname.startsWith("/runs/compare")) void compare.preload();
  else if (/^\/runs(\/|$)/.test(pathname)) void run.preload();
}

function NotFound() {
  return (
    <div className="page">
      <div className="card empty">
        <h2>Page not found</h2>
      </div>
    </div>
  );
}

const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    element: <RequireAuth />,
    children: [
      { path: "/", element: <Navigate to="/pipelines" replace /> },
      { path: "/pipelines", element: <PipelinesPage /> },
      {
        path: "/pipelines/:id",
        element: (
          <Suspense fallback={<div className="page-loading">Loading designer…</div>}>
            <DesignerPage />
          </Suspense>
        ),
      },
      { path: "/components", element: <ComponentsPage /> },
      { path: "/components/:name", element: <ComponentDetailPage /> },
      { path: "/environments", element: <EnvironmentsPage /> },
      { path: "/datasets", element: <DatasetsPage /> },
      { path: "/environments/:name", element: <EnvironmentDetailPage /> },
      { path: "/runs", element: <RunsPage /> },
      {
        path: "/runs/compare",
        element: (
          <Suspense fallback={<div className="page-loading">Loading comparison…</div>}>
            <ComparePage />
          </Suspense>
        ),
      },
      {
        path: "/runs/:id",
        element: (
          <Suspense fallback={<div className="page-loading">Loading run…</div>}>
            <RunPage />
          </Suspense>
        ),
      },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
