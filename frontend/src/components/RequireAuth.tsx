import { useLocation, Navigate } from "react-router-dom";
import { useMe } from "../api/auth";
import { ApiError } from "../lib/api";
import { AppShell } from "./AppShell";

/** Loads /api/auth/me/ once per entry; not signed in (or a 401/403) sends the user to /login?next=... */
export function RequireAuth() {
  const location = useLocation();
  const { data, error, loading } = useMe("me");
  if (loading && !data) return <div className="page-loading">Loading…</div>;
  if ((data && !data.authenticated) || (error instanceof ApiError && error.isAuth)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (error && !data) {
    return (
      <div className="page-loading">
        <div className="empty">
          <h2>Cannot reach the server</h2>
          <p>{error instanceof Error ? error.message : String(error)}</p>
          <button className="btn" onClick={() => window.location.reload()}>
            Retry
          </button>
        </div>
      </div>
    );
  }
  return <AppShell me={data?.authenticated ? data : null} />;
}
