import { useEffect, useState } from "react";
import { fetchPreview, outputFileUrl, outputZipUrl } from "../api/runs";
import type { OutputPreview, StepOutput } from "../api/runs";
import { errorMessage } from "../../../lib/api";
import { formatBytes } from "../lib/time";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function PreviewBody({ data, runId, node }: { data: OutputPreview; runId: string; node: string }) {
  const p = data.preview;
  switch (p.kind) {
    case "table":
      return (
        <div className="preview-table-wrap">
          <table className="table preview-table" data-testid="preview-table">
            <thead>
              <tr>{p.columns.map((c) => <th key={c.name}>{c.name}<div className="dtype">{c.dtype}</div></th>)}</tr>
            </thead>
            <tbody>
              {p.rows.map((row, i) => <tr key={i}>{row.map((v, j) => <td key={j}>{cell(v)}</td>)}</tr>)}
            </tbody>
          </table>
          <div className="muted small">
            First {p.rows.length} rows{p.total_rows !== null ? ` of ${p.total_rows}` : ""} · {data.main}
          </div>
        </div>
      );
    case "image":
      return data.main ? (
        <img className="preview-image" alt={data.main} src={outputFileUrl(runId, node, data.port, data.main, true)} data-testid="preview-image" />
      ) : null;
    case "metrics":
      return (
        <div className="metric-cards" data-testid="preview-metrics">
          {Object.entries(p.metrics).map(([k, v]) => (
            <div className="metric-card" key={k}>
              <div className="metric-value">{typeof v === "number" ? Number(v.toPrecision(6)) : String(v)}</div>
              <div className="metric-name">{k}</div>
            </div>
          ))}
        </div>
      );
    case "other":
      return <div className="muted">{p.error ?? "No preview for this file type; download it below."}</div>;
    case "none":
      return <div className="muted">Nothing to preview.</div>;
  }
}

/** One output port: its preview and its files to download. */
export function OutputCard({ runId, node, port, output }: { runId: string; node: string; port: string; output: StepOutput }) {
  const [data, setData] = useState<OutputPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    setData(null);
    setError(null);
    fetchPreview(runId, node, port, ctrl.signal).then(setData, (e: unknown) => !ctrl.signal.aborted && setError(errorMessage(e)));
    return () => ctrl.abort();
  }, [runId, node, port, output.sha256]);
  return (
    <div className="output-card" data-testid={`output-${port}`}>
      <div className="output-head">
        <strong>{port}</strong>
        <span className="type-pill">{output.type}</span>
        <span className="muted">{formatBytes(output.size)}</span>
        <span className="spacer" />
        <a className="btn btn-sm" href={outputZipUrl(runId, node, port)} download>Download all</a>
      </div>
      {error && <div className="form-error">{error}</div>}
      {!data && !error && <div className="muted">Loading preview…</div>}
      {data && <PreviewBody data={data} runId={runId} node={node} />}
      {data && data.files.length > 0 && (
        <details className="output-files" open={data.preview.kind === "other" || data.preview.kind === "none"}>
          <summary>{data.files.length} file{data.files.length === 1 ? "" : "s"}</summary>
          <ul>
            {data.files.map((f) => (
              <li key={f.path}>
                <a href={outputFileUrl(runId, node, port, f.path)} download>{f.path}</a> <span className="muted">{formatBytes(f.size)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
