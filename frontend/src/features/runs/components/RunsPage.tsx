import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { fetchRunMetrics } from "../api/compare";
import type { Primitive } from "../../../lib/types";
import { listRuns } from "../../../api/runs";
import type { Run } from "../../../api/runs";
import { listPipelines } from "../../../api/pipelines";
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

/** The metrics.json values of the listed runs, re-read when the set of finished runs changes. */
function useListedMetrics(runs: Run[] | undefined): Record<string, Record<string, Primitive>> {
  const [metrics, setMetrics] = useState<Record<string, Record<string, Primitive>>>({});
  const key = (runs ?? [])
    .filter((r) => isTerminal(r.status))
    .map((r) => r.id)
    .join(",");
  useEffect(() => {
    if (!key) return;
    const ctrl = new AbortController();
    fetchRunMetrics(key.split(","), ctrl.signal).then(setMetrics, () => undefined);
    return () => ctrl.abort();
  }, [key]);
  return metrics;
}

type Sort = { key: string; desc: boolean } | null;

function metricValue(m: Record<string, Record<string, Primitive>>, run: number, key: string): Primitive | undefined {
  return m[String(run)]?.[key];
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
    listPipelines({}).then(
      (r) => setPipelines(r.results),
      () => undefined,
    );
  }, []);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("page");
    setParams(next);
  };
  const pages = data ? Math.max(1, Math.ceil(data.count / Math.max(data.runs.length, 1))) : 1;
  const navigate = useNavigate();
  const [picked, setPicked] = useState<number[]>([]);
  const metrics = useListedMetrics(data?.runs);
  const metricKeys = useMemo(() => [...new Set(Object.values(metrics).flatMap((m) => Object.keys(m)))].sort(), [metrics]);
  const columns = (params.get("metrics") ?? "").split(",").filter((k) => k && metricKeys.includes(k));
  const [sort, setSort] = useState<Sort>(null);
  const rows = useMemo(() => {
    const list = [...(data?.runs ?? [])];
    if (!sort) return list;
    const val = (r: Run) => metricValue(metrics, r.id, sort.key);
    return list.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return sort.desc ? -c : c;
    });
  }, [data, metrics, sort]);
  const toggle = (id: number) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-10)));
  const setColumns = (keys: string[]) => {
    const next = new URLSearchParams(params);
    if (keys.length) next.set("metrics", keys.join(","));
    else next.delete("metrics");
    setParams(next);
  };
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Runs</h1>
          <p className="muted">Every run you may see; statuses refresh every few seconds.</p>
        </div>
      </div>
      <div className="toolbar-row runs-filters">
        <select value={status} onChange={(e) => setFilter("status", e.target.value)} aria-label="Status" data-testid="filter-status">
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
        <select value={pipeline} onChange={(e) => setFilter("pipeline", e.target.value)} aria-label="Pipeline" data-testid="filter-pipeline">
          <option value="">All pipelines</option>
          {pipelines.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
        {metricKeys.length > 0 && (
          <details className="metric-picker" data-testid="metric-picker">
            <summary className="btn btn-sm">Metric columns{columns.length ? ` (${columns.length})` : ""}</summary>
            <div className="metric-picker-menu">
              {metricKeys.map((k) => (
                <label key={k} className="small">
                  <input
                    type="checkbox"
                    checked={columns.includes(k)}
                    data-testid={`metric-col-${k}`}
                    onChange={(e) => setColumns(e.target.checked ? [...columns, k] : columns.filter((c) => c !== k))}
                  />{" "}
                  <code>{k}</code>
                </label>
              ))}
            </div>
          </details>
        )}
        <span className="spacer" />
        <button
          className="btn btn-primary btn-sm"
          disabled={picked.length < 2}
          onClick={() => navigate(`/runs/compare?ids=${picked.join(",")}`)}
          data-testid="btn-compare"
          title="Tick two or more runs to compare them side by side"
        >
          Compare{picked.length ? ` (${picked.length})` : ""}
        </button>
      </div>
      {error && <div className="form-error">{error}</div>}
      <div className="card table-card">
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th className="runs-select" />
              <th>Run</th>
              <th>Status</th>
              <th>Pipeline</th>
              <th>Version</th>
              <th>User</th>
              <th>Started</th>
              <th>Duration</th>
              {columns.map((k) => (
                <th key={k}>
                  <button
                    className="link-btn"
                    onClick={() => setSort((s) => ({ key: k, desc: s?.key === k ? !s.desc : true }))}
                    data-testid={`sort-${k}`}
                    title="Sort by this metric"
                  >
                    {k.split("/").pop()}
                    {sort?.key === k ? (sort.desc ? " ↓" : " ↑") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`run-row-${r.id}`}>
                <td className="runs-select">
                  <input
                    type="checkbox"
                    aria-label={`Select run ${r.id}`}
                    checked={picked.includes(r.id)}
                    onChange={() => toggle(r.id)}
                    data-testid={`pick-${r.id}`}
                  />
                </td>
                <td>
                  <Link to={`/runs/${r.id}`}>
                    {r.name ? (
                      <>
                        {r.name} <span className="muted">· {r.id}</span>
                      </>
                    ) : (
                      <>Run {r.id}</>
                    )}
                  </Link>
                </td>
                <td>
                  <span className={`status status-${r.status}`}>{statusLabel(r.status)}</span>
                </td>
                <td>{r.pipeline_name}</td>
                <td>v{r.version}</td>
                <td>{r.user}</td>
                <td>{formatDate(r.started_at ?? r.created_at)}</td>
                <td>{formatDuration(span(r.started_at ?? r.created_at, r.ended_at, now))}</td>
                {columns.map((k) => {
                  const v = metricValue(metrics, r.id, k);
                  return (
                    <td key={k} className="num" data-testid={`metric-${r.id}-${k}`}>
                      {v === undefined || v === null ? "—" : typeof v === "number" ? Number(v.toPrecision(5)) : String(v)}
                    </td>
                  );
                })}
              </tr>
            ))}
            {data && data.runs.length === 0 && (
              <tr>
                <td colSpan={8 + columns.length} className="muted">
                  No runs{status || pipeline ? " match these filters" : " yet: submit a pipeline from the designer"}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <div className="pager">
          <button className="btn btn-sm" disabled={page <= 1} onClick={() => setFilter("page", String(page - 1))}>
            Previous
          </button>
          <span className="muted">Page {page}</span>
          <button
            className="btn btn-sm"
            disabled={!data || page * data.runs.length >= data.count}
            onClick={() => {
              const n = new URLSearchParams(params);
              n.set("page", String(page + 1));
              setParams(n);
            }}
          >
            Next
          </button>
        </div>
      )}
    </div>
  );
}
