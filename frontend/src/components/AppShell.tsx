import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { ThemeToggle } from "./ThemeToggle";
import { Toaster } from "./Toaster";
import { logout } from "../api/auth";
import type { Me } from "../api/auth";
import { toast } from "./toastStore";
import { SandboxBanner } from "./SandboxBanner";
import { errorMessage } from "../lib/api";

export function Logo() {
  return (
    <span className="logo">
      <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden>
        <rect width="32" height="32" rx="7" fill="var(--accent)" />
        <circle cx="9" cy="10" r="3.2" fill="#fff" />
        <circle cx="9" cy="22" r="3.2" fill="#fff" />
        <circle cx="23" cy="16" r="3.2" fill="#fff" />
        <path d="M12 10 C17 10 17 16 20 16 M12 22 C17 22 17 16 20 16" stroke="#fff" strokeWidth="2" fill="none" />
      </svg>
      Conveyor
    </span>
  );
}

export function AppShell({ me }: { me: Me | null }) {
  const navigate = useNavigate();
  const onLogout = async () => {
    try {
      await logout();
      navigate("/login");
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };
  return (
    <div className="app">
      <header className="app-header">
        <Logo />
        <nav className="app-nav">
          <NavLink to="/pipelines">Pipelines</NavLink>
          <NavLink to="/components">Components</NavLink>
          <NavLink to="/environments">Environments</NavLink>
          <NavLink to="/datasets">Datasets</NavLink>
          <NavLink to="/runs">Runs</NavLink>
        </nav>
        <div className="app-header-right">
          <ThemeToggle />
          {me && (
            <>
              <span className="user-chip" title={me.is_staff ? "Staff" : undefined}>
                <span className="avatar">{me.username.slice(0, 1).toUpperCase()}</span>
                {me.username}
              </span>
              <button className="btn btn-ghost btn-sm" onClick={onLogout}>
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      <SandboxBanner me={me} />
      <main className="app-main">
        <Outlet />
      </main>
      <Toaster />
    </div>
  );
}
