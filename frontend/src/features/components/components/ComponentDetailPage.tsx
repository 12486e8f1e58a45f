import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useComponent, useComponentVersion } from "../../../api/components";
import { errorMessage } from "../../../lib/api";
import { formatDate, typeColor } from "../../../lib/format";
import { ownerLabel, ownerTitle } from "../lib/owner";

function fmt(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function ComponentDetailPage() {
  const { name = "" } = useParams();
  const detail = useComponent(name);
  const [picked, setPicked] = useState<string | null>(null);
  const version = picked ?? detail.data?.latest_version ?? null;
  const spec = useComponentVersion(name, version);
  const [tab, setTab] = useState<"ports" | "yaml">("ports");
  const s = spec.data;

  return (
    <div className="page">
      <div className="crumbs">
        <Link to="/components">Components</Link> / {name}
      </div>
      {detail.error ? <div className="form-error">{errorMessage(detail.error)}</div> : null}
      <div className="page-header">
        <div>
          <h1>{detail.data?.display_name || name}</h1>
          <p className="muted">{detail.data?.description}</p>
          {detail.data && (
            <p className="small" data-testid="component-owner" title={ownerTitle(detail.data.owner)}>
              Owner:{" "}
              <span className={`owner-chip${detail.data.owner?.kind === "system" ? " owner-system" : ""}`}>{ownerLabel(detail.data.owner)}</span>
            </p>
          )}
          <div className="chips">
            {Object.entries(detail.data?.tags ?? {}).map(([k, v]) => (
              <span key={k} className="badge badge-soft">
                {k}: {v}
              </span>
            ))}
          </div>
        </div>
      </div>
      <div className="detail-grid">
        <aside className="card">
          <h3 className="card-title">Versions</h3>
          {[false, true].map((anonymous) => {
            const versions = (detail.data?.versions ?? []).filter((v) => !!v.anonymous === anonymous);
            if (!versions.length) return null;
            return (
              <div key={String(anonymous)} data-testid={anonymous ? "anonymous-versions" : "named-versions"}>
                {anonymous && (
                  <h4 className="muted small" title="Registered by pipeline imports: the version is a hash of spec and code; @latest never picks one">
                    Anonymous (from pipeline imports)
                  </h4>
                )}
                <ul className="version-list">
                  {versions.map((v) => (
                    <li key={v.version}>
                      <button className={`version-item${v.version === version ? " active" : ""}`} onClick={() => setPicked(v.version)}>
                        <span className="strong">{anonymous ? v.version : `v${v.version}`}</span>
                        <span className="muted small">{formatDate(v.created_at)}</span>
                        <code className="muted small ellipsis" title={v.digest}>
                          {v.digest?.slice(0, 16)}
                        </code>
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </aside>
        <section className="card">
          <div className="tabs">
            <button className={tab === "ports" ? "active" : ""} onClick={() => setTab("ports")}>
              Inputs &amp; outputs
            </button>
            <button className={tab === "yaml" ? "active" : ""} onClick={() => setTab("yaml")}>
              YAML
            </button>
          </div>
          {spec.error ? <div className="form-error">{errorMessage(spec.error)}</div> : null}
          {s && tab === "ports" && (
            <>
              <h3 className="card-title">Inputs</h3>
              <table className="table compact">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Default</th>
                    <th>Range / values</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(s.inputs).map(([port, p]) => (
                    <tr key={port}>
                      <td>
                        <code>{port}</code>
                        {!p.optional && p.default == null && (
                          <span className="required" title="required">
                            *
                          </span>
                        )}
                        {p.optional && <span className="muted small"> optional</span>}
                      </td>
                      <td>
                        <span className="type-pill" style={{ ["--type" as string]: typeColor(p.type) }}>
                          {p.type}
                        </span>
                      </td>
                      <td>{fmt(p.default)}</td>
                      <td className="muted">
                        {p.enum ? p.enum.map(fmt).join(", ") : p.min != null || p.max != null ? `${fmt(p.min) || "−∞"} … ${fmt(p.max) || "∞"}` : ""}
                      </td>
                      <td className="muted">{p.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3 className="card-title">Outputs</h3>
              <table className="table compact">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(s.outputs).map(([port, p]) => (
                    <tr key={port}>
                      <td>
                        <code>{port}</code>
                      </td>
                      <td>
                        <span className="type-pill" style={{ ["--type" as string]: typeColor(p.type) }}>
                          {p.type}
                        </span>
                      </td>
                      <td className="muted">{p.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {s.command && (
                <>
                  <h3 className="card-title">Command</h3>
                  <pre className="code">{s.command}</pre>
                </>
              )}
              <p className="muted small">
                {s.is_deterministic === false ? "Non-deterministic: never reused from cache." : "Deterministic: results may be reused."}
              </p>
            </>
          )}
          {s && tab === "yaml" && <pre className="code">{s.yaml ?? ""}</pre>}
        </section>
      </div>
    </div>
  );
}
