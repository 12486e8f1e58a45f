import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useEnvironments, type EnvironmentSummary } from "../api/environments";
import { useDebounced } from "../../../lib/useDebounced";
import { errorMessage } from "../../../lib/api";
import { formatDate } from "../../../lib/format";

/** Registered environments, one card per name (its newest version first). */
export function EnvironmentsPage() {
  const [search, setSearch] = useState("");
  const q = useDebounced(search, 250);
  const { data, error, loading } = useEnvironments(q);

  const byName = useMemo(() => {
    const groups = new Map<string, EnvironmentSummary[]>();
    for (const row of data?.results ?? []) groups.set(row.name, [...(groups.get(row.name) ?? []), row]);
    return [...groups.values()];
  }, [data]);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Environments</h1>
          <p className="muted">
            What steps run in: a Python version plus packages, built once per worker. Components name them
            <code> azureml:&lt;name&gt;@&lt;version&gt;</code>; register one with <code>conveyor environment create -f env.yml</code>.
          </p>
        </div>
      </div>
      <div className="toolbar-row">
        <input className="search" type="search" placeholder="Search environments" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {error ? <div className="form-error">{errorMessage(error)}</div> : null}
      <div className="card-grid">
        {byName.map(([latest, ...older]) =>
          latest ? (
            <Link
              key={latest.name}
              to={`/environments/${encodeURIComponent(latest.name)}`}
              className="card component-card"
              data-testid="environment-card"
            >
              <div className="component-card-head">
                <span className="strong">{latest.name}</span>
                <span className="badge">v{latest.version}</span>
              </div>
              <div className="component-card-meta">
                <code className="muted small">python {latest.python}</code>
                <span className="muted small">{latest.created_by ?? "system"}</span>
              </div>
              <p className="small clamp-2">{latest.description || latest.requirements.join(", ")}</p>
              <div className="component-card-foot">
                <span className="muted small">
                  {latest.requirements.length} package{latest.requirements.length === 1 ? "" : "s"}
                </span>
                <span className="muted small">
                  {older.length + 1} version{older.length ? "s" : ""} · {formatDate(latest.created_at)}
                </span>
              </div>
            </Link>
          ) : null,
        )}
        {loading && !data && <div className="muted">Loading…</div>}
        {data && !byName.length && <div className="muted">No environments registered{q ? " match" : ""}.</div>}
      </div>
    </div>
  );
}
