import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Background, BackgroundVariant, ReactFlow, ReactFlowProvider } from "@xyflow/react";
import type { Edge, Node } from "@xyflow/react";
import { fetchComparison } from "../api/compare";
import type { Comparison, ComparedRun } from "../api/compare";
import { outputFileUrl } from "../../../api/runs";
import { errorMessage } from "../../../lib/api";
import { useThemeStore } from "../../../lib/theme";
import { formatDuration } from "../lib/time";
import { hidePath, statusLabel } from "../lib/labels";
import "../runs.css";

function text(v: unknown): string {
  const h = hidePath(v);
  if (h === undefined) return "—";
  if (h === null) return "null";
  return typeof h === "object" ? JSON.stringify(h) : String(h);
}

function runTitle(r: ComparedRun): string {
  return r.name ? `${r.name} (run ${r.id})` : `Run ${r.id}`;
}

/** "+0.0123" against the baseline (the first run), for numbers only. */
function delta(v: unknown, base: unknown): string | null {
  if (typeof v !== "number" || typeof base !== "number" || v === base) return null;
  const d = v - base;
  return `${d > 0 ? "+" : "−"}${Number(Math.abs(d).toPrecision(4))}`;
}

function Head({ runs }: { runs: ComparedRun[] }) {
  return (
    <thead>
      <tr>
        <th />
        {runs.map((r, i) => (
          <th key={r.id}>
            <Link to={`/runs/${r.id}`}>{runTitle(r)}</Link>
            {i === 0 && <span className="muted small"> · baseline</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function InputsTable({ runs }: { runs: ComparedRun[] }) {
  const rows = useMemo(() => {
    const keys = new Set<string>();
    for (const r of runs) {
      for (const k of Object.keys(r.inputs)) keys.add(`inputs.${k}`);
      for (const k of Object.keys(r.settings)) keys.add(`settings.${k}`);
    }
    const rowsOut = [["pipeline", runs.map((r) => `${r.pipeline_name} v${r.version}`)] as const];
    return [
      ...rowsOut,
      ...[...keys].sort().map((key) => {
        const [group, name] = key.split(/\.(.*)/s) as ["inputs" | "settings", string];
        return [key, runs.map((r) => text(r[group][name]))] as const;
      }),
    ];
  }, [runs]);
  return (
    <table className="table compact cmp-table" data-testid="cmp-inputs">
      <Head runs={runs} />
      <tbody>
        {rows.map(([key, values]) => {
          const differs = new Set(values).size > 1;
          return (
            <tr key={key} className={differs ? "cmp-diff" : undefined} data-diff={differs} data-key={key}>
              <td>
                <code>{key}</code>
              </td>
              {values.map((v, i) => (
                <td key={i}>{v}</td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function MetricsTable({ data }: { data: Comparison }) {
  if (!data.metrics.length) return <p className="muted">No metrics.json among these runs' outputs.</p>;
  return (
    <table className="table compact cmp-table" data-testid="cmp-metrics">
      <Head runs={data.runs} />
      <tbody>
        {data.metrics.map((m) => (
          <tr key={m.key} data-key={m.key}>
            <td>
              <code>{m.key}</code>
            </td>
            {m.values.map((v, i) => {
              const d = i > 0 ? delta(v, m.values[0]) : null;
              return (
                <td key={i}>
                  {v === null ? "—" : typeof v === "number" ? Number(v.toPrecision(6)) : String(v)}
                  {d && (
                    <span className={`cmp-delta ${d.startsWith("+") ? "up" : "down"}`} data-testid="cmp-delta">
                      {" "}
                      {d}
                    </span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StepsTable({ data }: { data: Comparison }) {
  return (
    <table className="table compact cmp-table" data-testid="cmp-steps">
      <Head runs={data.runs} />
      <tbody>
        {data.steps.map((s) => (
          <tr key={s.node} className={s.cache_differs ? "cmp-diff" : undefined} data-diff={s.cache_differs} data-key={s.node}>
            <td>
              <code>{s.node}</code>
              {s.cache_differs && <div className="muted small">cache key differs</div>}
            </td>
            {s.runs.map((r, i) => (
              <td key={i} title={r?.reason}>
                {r ? (
                  <>
                    <span className={`status status-${r.reused ? "Reused" : r.status}`}>{r.reused ? "Reused" : statusLabel(r.status)}</span>{" "}
                    {formatDuration(r.duration_ms)}
                    {r.reason && <div className="muted small cmp-reason">{r.reason}</div>}
                  </>
                ) : (
                  "—"
                )}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CompareGraph({ data }: { data: Comparison }) {
  const theme = useThemeStore((s) => s.theme);
  const differs = useMemo(() => new Set(data.steps.filter((s) => s.cache_differs).map((s) => s.node)), [data]);
  const nodes: Node[] = useMemo(
    () =>
      (data.document.nodes ?? []).map((n) => ({
        id: n.id,
        position: n.position ?? { x: 0, y: 0 },
        data: { label: n.display_name || n.id },
        className: differs.has(n.id) ? "cmp-node cmp-node-diff" : "cmp-node",
        draggable: false,
        connectable: false,
      })),
    [data, differs],
  );
  const edges: Edge[] = useMemo(
    () =>
      (data.document.edges ?? []).map((e) => ({
        id: `${e.source}.${e.source_port}->${e.target}.${e.target_port}`,
        source: e.source,
        target: e.target,
      })),
    [data],
  );
  return (
    <div className="cmp-graph" data-testid="cmp-graph">
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1, minZoom: 0.5 }}
          minZoom={0.2}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          colorMode={theme}
          proOptions={{ hideAttribution: true }}
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}

function Images({ data }: { data: Comparison }) {
  if (!data.images.length) return <p className="muted">No images among these runs' outputs.</p>;
  return (
    <div className="cmp-images" data-testid="cmp-images">
      {data.images.map((img) => (
        <div key={`${img.node}.${img.port}/${img.path}`} className="cmp-image-row">
          <div className="muted small">
            <code>
              {img.node}.{img.port}/{img.path}
            </code>
          </div>
          <div className="cmp-image-cells" style={{ gridTemplateColumns: `repeat(${data.runs.length}, minmax(0, 1fr))` }}>
            {data.runs.map((r, i) => (
              <figure key={r.id}>
                {img.runs[i] ? (
                  <img className="preview-image" alt={`${img.path} of run ${r.id}`} src={outputFileUrl(r.id, img.node, img.port, img.path, true)} />
                ) : (
                  <div className="muted cmp-missing">not in this run</div>
                )}
                <figcaption className="muted small">{runTitle(r)}</figcaption>
              </figure>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}

/** Two or more runs side by side: what they were given, what they measured, what ran. */
export function ComparePage() {
  const [params] = useSearchParams();
  const ids = useMemo(() => (params.get("ids") ?? "").split(",").filter(Boolean), [params]);
  const [data, setData] = useState<Comparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    setData(null);
    setError(null);
    if (ids.length < 2) {
      setError("Pick two or more runs to compare.");
      return;
    }
    fetchComparison(ids, ctrl.signal).then(setData, (e: unknown) => !ctrl.signal.aborted && setError(errorMessage(e)));
    return () => ctrl.abort();
  }, [ids]);
  return (
    <div className="page cmp-page" data-testid="compare-page">
      <div className="page-header">
        <div>
          <div className="crumbs">
            <Link to="/runs">Runs</Link> / compare
          </div>
          <h1>Compare {ids.length} runs</h1>
          <p className="muted">Differences are marked; metric deltas are against the first run.</p>
        </div>
      </div>
      {error && <div className="form-error">{error}</div>}
      {!data && !error && <div className="page-loading">Loading…</div>}
      {data && (
        <div className="cmp-sections">
          <section className="card">
            <div className="card-title">Inputs and settings</div>
            <InputsTable runs={data.runs} />
          </section>
          <section className="card">
            <div className="card-title">Metrics</div>
            <MetricsTable data={data} />
          </section>
          <section className="card">
            <div className="card-title">Steps</div>
            <StepsTable data={data} />
          </section>
          <section className="card">
            <div className="card-title">Graph (steps whose cache key differs are marked)</div>
            <CompareGraph data={data} />
          </section>
          <section className="card">
            <div className="card-title">Images</div>
            <Images data={data} />
          </section>
        </div>
      )}
    </div>
  );
}
