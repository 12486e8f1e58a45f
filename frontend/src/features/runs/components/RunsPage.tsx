import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { listRuns } from "../api/runs";
import type { Run } from "../api/runs";
import { listPipelines } from "../../pipelines/api/pipelines";
import type { PipelineSummary } from "../../../lib/types";
import { errorMessage } from "../../../lib/api";
import { formatDate } from "../../../lib/format";
import { isTerminal } from "../store/runView";
import { useNow } from "../hooks/useNow";
import { formatDuration, span } from "../lib/time";
import { statusLabel } from "../lib/labels";
import "../runs.css";

const STATUSES = ["NotStarted", "Queued", "Running", "Completed", "Failed", "Canceled"];
const POLL_MS = 3000;

/** The runs list: polled every few seconds so statuses stay current (run pages use the socket). */
function useRunsList(status: string, pipeline: string, page: number) {
  const [data, setData] = useState<{ runs: Run[]; count: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    let timer = 0;
    const tick = async () => {
      try {
        const res = await listRuns({ status, pipeline, page }, ctrl.signal);
        setData({ runs: res.results, count: res.count });
        setError(null);
      } catch (e) {
        if (ctrl.signal.aborted) return;
        setError(errorMessage(e));
      }
      if (!ctrl.signal.aborted && !document.hidden) timer = window.setTimeout(tick, POLL_MS);
      else if (!ctrl.signal.aborted) timer = window.setTimeout(tick, POLL_MS * 5);
    };
    void tick();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [status, pipeline, page]);
  return { data, error };
}

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const pipeline = params.get("pipeline") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const { data, error } = useRunsList(status, pipeline, page);
  const [pipelines, setPipelines] = useState<PipelineSummary[]>([]);
  const anyLive = !!data?.runs.some((r) => !isTerminal(r.status));
  const now = useNow(anyLive);
  useEffect(() => {
    listPipelines({}).then((r) => setPipelines(r.results), () => undefined);
  }, []);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("page");
    setParams(next);
  };
  const pages = data ? Math.max(1, Math.ceil(data.count / Math.max(data.runs.length, 1))) : 1;
  return (
    <div className="page">
      <div className="page-header">
        <div><h1>Runs</h1><p className="muted">Every run you may see; statuses refresh every few seconds.</p></div>
      </div>
      <div className="toolbar-row runs-filters">
        <select value={status} onChange={(e) => setFilter("status", e.target.value)} aria-label="Status" data-testid="filter-status">
          <option value="">All statuses</option>
          {STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
        </select>
        <select value={pipeline} onChange={(e) => setFilter("pipeline", e.target.value)} aria-label="Pipeline" data-testid="filter-pipeline">
          <option value="">All pipelines</option>
          {pipelines.map((p) => <option key={p.id} value={String(p.id)}>{p.name}</option>)}
        </select>
      </div>
      {error && <div className="form-error">{error}</div>}
      <div className="card table-card">
        <table className="table" data-testid="runs-table">
          <thead><tr><th>Run</th><th>Status</th><th>Pipeline</th><th>Version</th><th>User</th><th>Started</th><th>Duration</th></tr></thead>
          <tbody>
            {data?.runs.map((r) => (
              <tr key={r.id} data-testid={`run-row-${r.id}`}>
                <td><Link to={`/runs/${r.id}`}>Run {r.id}</Link></td>
                <td><span className={`status status-${r.status}`}>{statusLabel(r.status)}</span></td>
                <td>{r.pipeline_name}</td>
                <td>v{r.version}</td>
                <td>{r.user}</td>
                <td>{formatDate(r.started_at ?? r.created_at)}</td>
                <td>{formatDuration(span(r.started_at ?? r.created_at, r.ended_at, now))}</td>
              </tr>
            ))}
            {data && data.runs.length === 0 && (
              <tr><td colSpan={7} className="muted">No runs{status || pipeline ? " match these filters" : " yet: submit a pipeline from the designer"}.</td></tr>
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <div className="pager">
          <button className="btn btn-sm" disabled={page <= 1} onClick={() => setFilter("page", String(page - 1))}>Previous</button>
          <span className="muted">Page {page}</span>
          <button className="btn btn-sm" disabled={!data || page * data.runs.length >= data.count} onClick={() => { const n = new URLSearchParams(params); n.set("page", String(page + 1)); setParams(n); }}>Next</button>
        </div>
      )}
    </div>
  );
}
