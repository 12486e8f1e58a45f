import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useDatasetDetail, useDatasetRows } from "../../../api/datasets";
import type { DatasetDetail } from "../../../api/datasets";
import { errorMessage } from "../../../lib/api";
import { formatBytes, formatDate } from "../../../lib/format";

function cell(v: unknown): string {
  return v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function DatasetPanel({ d }: { d: DatasetDetail }) {
  const p = d.preview;
  return (
    <section className="card dataset-detail" data-testid="dataset-detail">
      <div className="page-header">
        <div>
          <h2>
            {d.name} <span className="badge">v{d.version}</span>
          </h2>
          <p className="muted small">
            {d.type} · {formatBytes(d.size)} · uploaded by {d.owner} · {formatDate(d.created_at)}
          </p>
          <p className="small">
            Use it as a data input: <code data-testid="dataset-reference">{d.reference}</code>
          </p>
        </div>
      </div>
      <h4>Used by</h4>
      {d.used_by.length ? (
        <ul className="used-by" data-testid="dataset-used-by">
          {d.used_by.map((u) => (
            <li key={u.pipeline}>
              <Link to={`/pipelines/${u.pipeline}?version=${u.version}`}>{u.name}</Link> <span className="muted small">v{u.version}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small" data-testid="dataset-used-by">
          No saved pipeline uses it.
        </p>
      )}
      <h4>Preview</h4>
      {p.kind === "table" ? (
        <div className="table-scroll">
          <table className="table preview-table" data-testid="dataset-preview">
            <thead>
              <tr>
                {p.columns.map((c) => (
                  <th key={c.name} title={c.dtype}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j}>{cell(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {p.total_rows !== null && (
            <p className="muted small">
              {p.rows.length} of {p.total_rows} rows
            </p>
          )}
        </div>
      ) : (
        <p className="muted small" data-testid="dataset-preview">
          {p.error ?? "No table to preview."}
        </p>
      )}
    </section>
  );
}

/** Uploaded datasets by name and version: size, owner, what uses them, and a preview. */
export function DatasetsPage() {
  const { data, error, loading } = useDatasetRows();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState("");
  const selected = params.get("id") ? Number(params.get("id")) : null;
  const detail = useDatasetDetail(selected !== null && Number.isInteger(selected) ? selected : null);
  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (data?.results ?? [])
      .filter((r) => !q || r.name.toLowerCase().includes(q) || r.owner.toLowerCase().includes(q))
      .sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
  }, [data, search]);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Datasets</h1>
          <p className="muted">
            Files and folders uploaded for data inputs. Upload one from a pipeline input in the designer; the same name uploaded again is a new
            version.
          </p>
        </div>
      </div>
      <div className="toolbar-row">
        <input
          className="search"
          type="search"
          placeholder="Search by name or owner"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="datasets-search"
        />
      </div>
      {error ? <div className="form-error">{errorMessage(error)}</div> : null}
      <div className="table-scroll">
        <table className="table" data-testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Type</th>
              <th>Size</th>
              <th>Owner</th>
              <th>Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className={r.id === selected ? "selected" : undefined} data-testid={`dataset-row-${r.id}`}>
                <td>
                  <button className="link-btn" onClick={() => setParams({ id: String(r.id) })}>
                    {r.name}
                  </button>
                </td>
                <td>v{r.version}</td>
                <td>{r.type}</td>
                <td>{formatBytes(r.size)}</td>
                <td>{r.owner}</td>
                <td>{formatDate(r.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {loading && !data && <div className="muted">Loading…</div>}
        {data && !rows.length && <div className="muted pad">No datasets{search ? " match" : " uploaded yet"}.</div>}
      </div>
      {detail.error ? <div className="form-error">{errorMessage(detail.error)}</div> : null}
      {detail.data && detail.data.id === selected && <DatasetPanel d={detail.data} />}
    </div>
  );
}
