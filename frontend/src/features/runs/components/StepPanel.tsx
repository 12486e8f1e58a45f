import { useState } from "react";
import { Link } from "react-router-dom";
import { useRunStatusStore } from "../store/runStatusStore";
import { nodeStatus } from "../store/runView";
import { LogView } from "./LogView";
import { OutputCard } from "./OutputCard";
import { StepStartFact } from "./StepStart";
import { formatDuration, span } from "../lib/time";
import { hidePath, statusLabel } from "../lib/labels";
import { useCanvasStore } from "../../../canvas/canvasStore";

type Tab = "log" | "details" | "outputs";

function Value({ value }: { value: unknown }) {
  const shown = hidePath(value);
  return <code>{typeof shown === "string" ? shown : JSON.stringify(shown)}</code>;
}

/** Where a data input came from, in the graph's words; never the server path it was read at. */
function InputSource({ node, port, value }: { node: string; port: string; value: unknown }) {
  const edge = useCanvasStore((s) => s.edges.find((e) => e.target === node && e.targetHandle === port));
  const digest = value && typeof value === "object" && "sha256" in value ? String((value as { sha256: unknown }).sha256) : "";
  const short = digest.startsWith("uri:") ? "" : digest.slice(0, 12);
  if (edge) {
    return (
      <span>
        output <code>{edge.sourceHandle}</code> of <strong>{edge.source}</strong>
        {short && <span className="muted"> · sha256 {short}</span>}
      </span>
    );
  }
  const path = value && typeof value === "object" && "path" in value ? (value as { path: unknown }).path : value;
  return (
    <span>
      <Value value={path} />
      {short && <span className="muted"> · sha256 {short}</span>}
    </span>
  );
}

/** The panel of one step: live log, parameters, cache key and reason, outputs with previews. */
export function StepPanel({ runId, node, onClose }: { runId: string; node: string; onClose: () => void }) {
  const step = useRunStatusStore((s) => s.steps[node]);
  const run = useRunStatusStore((s) => s.run);
  const [tab, setTab] = useState<Tab>("log");
  if (!step) return null;
  const status = nodeStatus(step);
  const outputs = Object.entries(step.outputs ?? {});
  return (
    <aside className="step-panel" data-testid="step-panel">
      <div className="step-panel-head">
        <div>
          <h2>{node}</h2>
          <div className="muted small">
            {step.component} · attempt {step.attempt}
          </div>
        </div>
        <span className={`status status-${status}`} data-testid="step-panel-status">
          {statusLabel(status)}
        </span>
        <button className="icon-btn" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      {step.error && <pre className="step-error">{step.error}</pre>}
      {status === "Failed" && run && (
        <div className="step-fix">
          <Link
            className="btn btn-sm btn-primary"
            data-testid="btn-open-in-designer"
            to={`/pipelines/${run.pipeline}?version=${run.version}&edit=1&from_run=${run.id}&node=${encodeURIComponent(node)}`}
          >
            Open in designer
          </Link>
          <span className="muted small">Fix this step there; the rerun reuses what completed upstream.</span>
        </div>
      )}
      <div className="tabs">
        {(["log", "details", "outputs"] as const).map((t) => (
          <button key={t} className={`tab${tab === t ? " active" : ""}`} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
            {t === "outputs" ? `Outputs (${outputs.length})` : t === "log" ? "Log" : "Details"}
          </button>
        ))}
      </div>
      {tab === "log" && <LogView runId={runId} node={node} attempt={step.attempt} tick={step.logTick} />}
      {tab === "details" && (
        <div className="step-details">
          <dl>
            <dt>Duration</dt>
            <dd>{formatDuration(span(step.started_at, step.ended_at, Date.now()))}</dd>
            <StepStartFact start={step.start} />
            <dt>Why</dt>
            <dd>
              {step.reason || "—"}
              {step.reused && step.reused_from_run && (
                <>
                  {" "}
                  · output of <Link to={`/runs/${step.reused_from_run}`}>run {step.reused_from_run}</Link>
                </>
              )}
            </dd>
            <dt>Cache key</dt>
            <dd>
              <code className="break">{step.cache_key || "—"}</code>
            </dd>
            <dt>Exit code</dt>
            <dd>{step.exit_code ?? "—"}</dd>
          </dl>
          <h3>Parameters</h3>
          {Object.keys(step.params ?? {}).length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="table">
              <tbody>
                {Object.entries(step.params).map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td>
                      <Value value={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Inputs</h3>
          {Object.keys(step.inputs ?? {}).length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="table">
              <tbody>
                {Object.entries(step.inputs).map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td>
                      <InputSource node={node} port={k} value={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      {tab === "outputs" && (
        <div className="step-outputs">
          {outputs.length === 0 && <p className="muted">No outputs yet.</p>}
          {outputs.map(([port, output]) => (
            <OutputCard key={port} runId={runId} node={node} port={port} output={output} />
          ))}
        </div>
      )}
    </aside>
  );
}
