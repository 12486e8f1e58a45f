import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useEnvironment, useEnvironmentVersion } from "../api/environments";
import { errorMessage } from "../../../lib/api";
import { formatDate } from "../../../lib/format";

/** One environment: its versions, and the chosen version's packages and YAML. */
export function EnvironmentDetailPage() {
  const { name = "" } = useParams();
  const detail = useEnvironment(name);
  const [picked, setPicked] = useState<string | null>(null);
  const version = picked ?? detail.data?.versions[0]?.version ?? null;
  const chosen = useEnvironmentVersion(name, version);
  const [tab, setTab] = useState<"packages" | "yaml">("packages");
  const env = chosen.data;

  return (
    <div className="page">
      <div className="crumbs">
        <Link to="/environments">Environments</Link> / {name}
      </div>
      {detail.error ? <div className="form-error">{errorMessage(detail.error)}</div> : null}
      <div className="page-header">
        <div>
          <h1>{name}</h1>
          <p className="muted">{env?.description}</p>
          {env && (
            <p className="small">
              <code data-testid="environment-reference">{env.reference}</code> · python {env.python} ·{" "}
              <code className="muted" title={env.hash}>
                {env.hash.slice(0, 12)}
              </code>
            </p>
          )}
        </div>
      </div>
      <div className="detail-grid">
        <aside className="card">
          <h3 className="card-title">Versions</h3>
          <ul className="version-list">
            {detail.data?.versions.map((v) => (
              <li key={v.version}>
                <button className={`version-item${v.version === version ? " active" : ""}`} onClick={() => setPicked(v.version)}>
                  <span className="strong">v{v.version}</span>
                  <span className="muted small">{formatDate(v.created_at)}</span>
                  <span className="muted small">{v.created_by ?? "system"}</span>
                </button>
              </li>
            ))}
          </ul>
        </aside>
        <section className="card">
          <div className="tabs">
            <button className={tab === "packages" ? "active" : ""} onClick={() => setTab("packages")}>
              Packages
            </button>
            <button className={tab === "yaml" ? "active" : ""} onClick={() => setTab("yaml")}>
              YAML
            </button>
          </div>
          {chosen.error ? <div className="form-error">{errorMessage(chosen.error)}</div> : null}
          {env && tab === "packages" && (
            <>
              <ul className="small" data-testid="environment-requirements">
                {env.requirements.map((r) => (
                  <li key={r}>
                    <code>{r}</code>
                  </li>
                ))}
                {!env.requirements.length && <li className="muted">No packages beyond Python {env.python}.</li>}
              </ul>
              {env.warnings.length > 0 && (
                <>
                  <h3 className="card-title">Notes from the resolver</h3>
                  <ul className="small muted">
                    {env.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                </>
              )}
            </>
          )}
          {env && tab === "yaml" && <pre className="code">{env.yaml}</pre>}
        </section>
      </div>
    </div>
  );
}
