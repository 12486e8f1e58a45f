import { useEffect, useState } from "react";
import { fetchPreview, outputFileUrl, outputZipUrl } from "../../../api/runs";
import type { OutputPreview, StepOutput } from "../../../api/runs";
import { errorMessage } from "../../../lib/api";
import { formatBytes } from "../lib/time";
import { ColumnStatsView } from "./ColumnStats";
import { Dialog } from "../../../components/Dialog";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Every image of an output as a thumbnail; a click shows it large. */
function ImageGallery({ data, runId, node }: { data: OutputPreview; runId: string; node: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const images = data.images ?? (data.preview.kind === "image" && data.main ? [data.main] : []);
  if (!images.length) return null;
  return (
    <div className="image-gallery" data-testid="image-gallery">
      {images.map((path) => (
        <button key={path} className="image-thumb" onClick={() => setOpen(path)} title={`${path}: click to enlarge`}>
          <img className="preview-image" alt={path} src={outputFileUrl(runId, node, data.port, path, true)} data-testid="preview-image" />
          <span className="muted small">{path}</span>
        </button>
      ))}
      {open && (
        <Dialog title={open} onClose={() => setOpen(null)} width={Math.min(1100, window.innerWidth - 40)} testId="image-dialog">
          <img className="image-large" alt={open} src={outputFileUrl(runId, node, data.port, open, true)} />
        </Dialog>
      )}
    </div>
  );
}

function TablePreview({ data, p }: { data: OutputPreview; p: Extract<OutputPreview["preview"], { kind: "table" }> }) {
  const [view, setView] = useState<"rows" | "stats">("rows");
  return (
    <>
      {p.stats && (
        <div className="seg">
          <button className={`tab${view === "rows" ? " active" : ""}`} onClick={() => setView("rows")}>
            Rows
          </button>
          <button className={`tab${view === "stats" ? " active" : ""}`} onClick={() => setView("stats")} data-testid="btn-stats">
            Statistics
          </button>
        </div>
      )}
      {view === "stats" && p.stats ? <ColumnStatsView stats={p.stats} /> : <TableRows data={data} p={p} />}
    </>
  );
}

function ModelPreview({ model }: { model: Record<string, unknown> }) {
  const { features, target, ...rest } = model;
  return (
    <div className="model-preview" data-testid="preview-model">
      <dl className="stat-facts">
        {target !== undefined && (
          <>
            <dt>Target</dt>
            <dd>
              <code>{cell(target)}</code>
            </dd>
          </>
        )}
        {Array.isArray(features) && (
          <>
            <dt>Features</dt>
            <dd>
              {features.map((f) => (
                <code key={String(f)} className="chip-code">
                  {cell(f)}
                </code>
              ))}
            </dd>
          </>
        )}
        {Object.entries(rest).map(([k, v]) => (
          <span key={k} style={{ display: "contents" }}>
            <dt>{k}</dt>
            <dd>
              <code className="break">{cell(v)}</code>
            </dd>
          </span>
        ))}
      </dl>
    </div>
  );
}

function TableRows({ data, p }: { data: OutputPreview; p: Extract<OutputPreview["preview"], { kind: "table" }> }) {
  return (
    <div className="preview-table-wrap">
      <table className="table preview-table" data-testid="preview-table">
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th key={c.name}>
                {c.name}
                <div className="dtype">{c.dtype}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => (
                <td key={j}>{cell(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="muted small">
        First {p.rows.length} rows{p.total_rows !== null ? ` of ${p.total_rows}` : ""} · {data.main}
      </div>
    </div>
  );
}

function PreviewBody({ data }: { data: OutputPreview }) {
  const p = data.preview;
  switch (p.kind) {
    case "table":
      return <TablePreview data={data} p={p} />;
    case "model":
      return <ModelPreview model={p.model} />;
    case "image":
      return null; // in the gallery
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
      return (data.images ?? []).length ? null : <div className="muted">Nothing to preview.</div>;
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
        <a className="btn btn-sm" href={outputZipUrl(runId, node, port)} download>
          Download all
        </a>
      </div>
      {error && <div className="form-error">{error}</div>}
      {!data && !error && <div className="muted">Loading preview…</div>}
      {data && <PreviewBody data={data} />}
      {data && <ImageGallery data={data} runId={runId} node={node} />}
      {data && data.files.length > 0 && (
        <details className="output-files" open={data.preview.kind === "other" || data.preview.kind === "none"}>
          <summary>
            {data.files.length} file{data.files.length === 1 ? "" : "s"}
          </summary>
          <ul>
            {data.files.map((f) => (
              <li key={f.path}>
                <a href={outputFileUrl(runId, node, port, f.path)} download>
                  {f.path}
                </a>{" "}
                <span className="muted">{formatBytes(f.size)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
