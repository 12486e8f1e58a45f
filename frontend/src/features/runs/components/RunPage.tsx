import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ReactFlowProvider } from "@xyflow/react";
import { cancelRun, fetchRun, listRuns, rerunRun, submitRun } from "../../../api/runs";
import type { Run } from "../../../api/runs";
import { Dialog } from "../../../components/Dialog";
import { SubmitDialog } from "../../../components/SubmitDialog";
import type { Primitive } from "../../../lib/types";
import { useRunStatusStore } from "../store/runStatusStore";
import { isTerminal } from "../store/runView";
import { useRunSocket } from "../hooks/useRunSocket";
import { useNow } from "../hooks/useNow";
import { fetchVersion } from "../../../api/pipelines";
import { fetchSpecs } from "../../../api/components";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { errorMessage } from "../../../lib/api";
import { formatDate } from "../../../lib/format";
import { toast } from "../../../components/toastStore";
import { formatDuration, span } from "../lib/time";
import { statusLabel } from "../lib/labels";
import { RunGraph } from "./RunGraph";
import { RunTimeline } from "./RunTimeline";
import { StepPanel } from "./StepPanel";
import { RunSummary } from "./RunSummary";
import "../runs.css";

type Load = { status: "loading" } | { status: "ready" } | { status: "error"; message: string };

/** Load the run's snapshot, then its pipeline version onto the canvas store, read-only. */
function useRunLoad(id: string): Load {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  useEffect(() => {
    const ctrl = new AbortController();
    setLoad({ status: "loading" });
    (async () => {
      const run = await fetchRun(id, ctrl.signal);
      useRunStatusStore.getState().setRun(run);
      const version = await fetchVersion(String(run.pipeline), run.version, ctrl.signal);
      const doc = version.document;
      useCanvasStore.getState().setSpecs(await fetchSpecs((doc.nodes ?? []).map((n) => n.component)));
      if (ctrl.signal.aborted) return;
      useCanvasStore.getState().load(doc, { pipelineId: String(run.pipeline), version: run.version, readOnly: true });
      setLoad({ status: "ready" });
    })().catch((e: unknown) => !ctrl.signal.aborted && setLoad({ status: "error", message: errorMessage(e) }));
    return () => {
      ctrl.abort();
      useRunStatusStore.getState().setRun(null);
    };
  }, [id]);
  return load;
}

/** Step statuses as one string: when it changes, re-read the slow facts (params, cache key, reuse origin). */
function useDetailsRefresh(id: string, ready: boolean) {
  const signature = useRunStatusStore((s) =>
    Object.values(s.steps)
      .map((st) => `${st.node}:${st.status}:${st.attempt}`)
      .join(","),
  );
  useEffect(() => {
    if (!ready) return;
    const timer = window.setTimeout(() => {
      fetchRun(id).then(
        (run) => useRunStatusStore.getState().mergeDetails(run),
        () => undefined,
      );
    }, 400);
    return () => window.clearTimeout(timer);
  }, [id, ready, signature]);
}

function ConnectionBadge() {
  const connection = useRunStatusStore((s) => s.connection);
  const error = useRunStatusStore((s) => s.connectionError);
  const finished = useRunStatusStore((s) => s.run !== null && isTerminal(s.run.status));
  // "Live" means updates are streaming; a finished run has nothing more to stream.
  if (finished && connection !== "refused") return null;
  const label = { idle: "", connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", refused: error ?? "Refused" }[connection];
  if (!label) return null;
  return (
    <span className={`conn conn-${connection}`} data-testid="run-connection" data-state={connection}>
      {label}
    </span>
  );
}

/** Pick another run of the same pipeline to compare this one with. */
function CompareWith({ run, onClose }: { run: Run; onClose: () => void }) {
  const [others, setOthers] = useState<Run[] | null>(null);
  const navigate = useNavigate();
  useEffect(() => {
    const ctrl = new AbortController();
    listRuns({ pipeline: String(run.pipeline) }, ctrl.signal).then(
      (r) => setOthers(r.results.filter((o) => o.id !== run.id)),
      () => setOthers([]),
    );
    return () => ctrl.abort();
  }, [run]);
  return (
    <Dialog title={`Compare run ${run.id} with…`} onClose={onClose} testId="compare-with-dialog" width={520}>
      {others === null && <p className="muted">Loading…</p>}
      {others?.length === 0 && <p className="muted">No other run of {run.pipeline_name} yet.</p>}
      <ul className="template-list">
        {others?.map((o) => (
          <li key={o.id}>
            <button className="template-item" onClick={() => navigate(`/runs/compare?ids=${run.id},${o.id}`)} data-testid={`compare-with-${o.id}`}>
              <span className="strong">
                {o.name || `Run ${o.id}`} <span className={`status status-${o.status}`}>{statusLabel(o.status)}</span>
              </span>
              <span className="muted small">
                v{o.version} · {o.user} · {formatDate(o.started_at ?? o.created_at)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** `ready`: the run's pipeline version is on the canvas store (its inputs feed "Rerun with new inputs"). */
function RunHeader({ id, ready }: { id: string; ready: boolean }) {
  const run = useRunStatusStore((s) => s.run);
  const connection = useRunStatusStore((s) => s.connection);
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [ask, setAsk] = useState<null | "cancel" | "rerun" | "inputs" | "compare">(null);
  const live = run !== null && !isTerminal(run.status);
  const now = useNow(live);
  if (!run) return null;
  const act = async (what: "cancel" | "rerun" | "inputs", inputs?: Record<string, Primitive>) => {
    setBusy(true);
    try {
      if (what === "cancel") {
        await cancelRun(id);
        toast.success("Cancel requested");
      } else if (what === "rerun") {
        const next = await rerunRun(id);
        navigate(`/runs/${next.id}`);
      } else {
        const next = await submitRun({ pipeline: run.pipeline, version: run.version, inputs: inputs ?? {}, settings: {} });
        navigate(`/runs/${next.id}`);
      }
      setAsk(null);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const editUrl = `/pipelines/${run.pipeline}?version=${run.version}&edit=1&from_run=${run.id}`;
  return (
    <div className="page-header run-header" data-connection={connection}>
      <div>
        <div className="crumbs">
          <Link to="/runs">Runs</Link> / {id}
        </div>
        <h1>
          {run.name ? (
            <>
              {run.name} <span className="muted">· Run {id}</span>
            </>
          ) : (
            <>Run {id}</>
          )}{" "}
          <span className={`status status-${run.status}`} data-testid="run-status" data-status={run.status}>
            {statusLabel(run.status)}
          </span>{" "}
          <ConnectionBadge />
        </h1>
        <div className="run-facts muted">
          <span>
            <Link to={`/pipelines/${run.pipeline}?version=${run.version}`} data-testid="run-pipeline-link">
              {run.pipeline_name} v{run.version}
            </Link>
          </span>
          <span>by {run.user}</span>
          <span>started {formatDate(run.started_at ?? run.created_at)}</span>
          {run.ended_at && <span>ended {formatDate(run.ended_at)}</span>}
          <span data-testid="run-duration">{formatDuration(span(run.started_at ?? run.created_at, run.ended_at, now))}</span>
          {run.rerun_of && (
            <span>
              rerun of <Link to={`/runs/${run.rerun_of}`}>run {run.rerun_of}</Link>
            </span>
          )}
        </div>
        {run.error && <div className="form-error">{run.error}</div>}
      </div>
      <div className="page-actions">
        <button className="btn" disabled={!live || busy || run.cancel_requested} onClick={() => setAsk("cancel")} data-testid="btn-cancel">
          {run.cancel_requested && live ? "Canceling…" : "Cancel"}
        </button>
        <button className="btn" onClick={() => setAsk("compare")} data-testid="btn-compare-with">
          Compare with…
        </button>
        <Link className="btn" to={editUrl} data-testid="btn-edit-resubmit" title="Open this run's version in the designer, its inputs filled in">
          Edit and resubmit
        </Link>
        <button className="btn" disabled={busy || !ready} onClick={() => setAsk("inputs")} data-testid="btn-rerun-inputs">
          Rerun with new inputs
        </button>
        <button className="btn btn-primary" disabled={busy} onClick={() => setAsk("rerun")} data-testid="btn-rerun">
          Rerun
        </button>
      </div>
      {(ask === "cancel" || ask === "rerun") && (
        <Dialog
          title={ask === "cancel" ? `Cancel run ${run.id}?` : `Rerun run ${run.id}?`}
          onClose={() => setAsk(null)}
          testId="confirm-dialog"
          footer={
            <>
              <button className="btn" onClick={() => setAsk(null)}>
                {ask === "cancel" ? "Keep running" : "Back"}
              </button>
              <button
                className={`btn ${ask === "cancel" ? "btn-danger" : "btn-primary"}`}
                disabled={busy}
                onClick={() => void act(ask)}
                data-testid="btn-confirm"
              >
                {ask === "cancel" ? "Cancel the run" : "Rerun"}
              </button>
            </>
          }
        >
          <p>
            {ask === "cancel"
              ? "Running steps are stopped and the steps not started yet are skipped. This cannot be undone."
              : `A new run of ${run.pipeline_name} version ${run.version} with the same inputs and settings starts. Unchanged steps are reused.`}
          </p>
        </Dialog>
      )}
      {ask === "compare" && <CompareWith run={run} onClose={() => setAsk(null)} />}
      {ask === "inputs" && (
        <SubmitDialog
          inputs={useCanvasStore.getState().meta.inputs}
          version={run.version}
          busy={busy}
          initial={run.inputs}
          note={
            <p>
              Inputs are filled in from <strong>run {run.id}</strong>; change what you need.
            </p>
          }
          onSubmit={(values) => void act("inputs", values)}
          onClose={() => setAsk(null)}
        />
      )}
    </div>
  );
}

export function RunPage() {
  const { id = "" } = useParams();
  const load = useRunLoad(id);
  const ready = load.status === "ready";
  const [selected, setSelected] = useState<string | null>(null);
  const onSelect = useCallback((node: string) => setSelected(node), []);
  useRunSocket(id, ready);
  useDetailsRefresh(id, ready);
  useEffect(() => setSelected(null), [id]);
  if (load.status === "error") {
    return (
      <div className="page">
        <div className="crumbs">
          <Link to="/runs">Runs</Link> / {id}
        </div>
        <div className="form-error">{load.message}</div>
      </div>
    );
  }
  return (
    <div className="page run-page">
      <RunHeader id={id} ready={ready} />
      {!ready ? (
        <div className="page-loading">Loading run…</div>
      ) : (
        <div className={`run-body${selected ? " with-panel" : ""}`}>
          <div className="run-main">
            <RunSummary />
            <ReactFlowProvider>
              <RunGraph onSelect={onSelect} />
            </ReactFlowProvider>
            <div className="card">
              <div className="card-title">Timeline</div>
              <RunTimeline onSelect={onSelect} />
            </div>
          </div>
          {selected && <StepPanel runId={id} node={selected} onClose={() => setSelected(null)} />}
        </div>
      )}
    </div>
  );
}
