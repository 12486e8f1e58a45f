/** The run page's state as a pure reducer: an HTTP snapshot, then socket events on top. */
import type { Run, RunStep, StepOutput } from "../../../api/runs";
import type { RunEvent, RunStatus, StepStatus } from "../lib/events";

export type NodeStatus = StepStatus | "Reused";

export interface StepView extends RunStep {
  /** Log events seen for this step: the log panel re-reads the file when it changes. */
  logTick: number;
  /** True while the worker builds the step's environment (docs/environments.md). */
  preparing?: boolean;
}

export interface RunView {
  run: Run | null;
  steps: Record<string, StepView>;
  lastSeq: number;
}

export const EMPTY_VIEW: RunView = { run: null, steps: {}, lastSeq: 0 };

const TERMINAL: ReadonlySet<string> = new Set(["Completed", "Failed", "Canceled", "Skipped"]);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/** What the canvas shows: a reused step is its own mark. */
export function nodeStatus(step: Pick<RunStep, "status" | "reused">): NodeStatus {
  return step.status === "Completed" && step.reused ? "Reused" : step.status;
}

function emptyStep(node: string): StepView {
  return {
    id: 0,
    node,
    component: null,
    status: "NotStarted",
    attempt: 1,
    queue: "",
    worker: "",
    queued_at: null,
    started_at: null,
    ended_at: null,
    exit_code: null,
    error: "",
    params: {},
    inputs: {},
    cache_key: "",
    reused: false,
    reused_from: null,
    reason: "",
    outputs: {},
    has_log: false,
    start: null,
    logTick: 0,
  };
}

/** Load a snapshot from GET /api/runs/<id>/ (it is consistent with events up to last_seq). */
export function fromSnapshot(run: Run): RunView {
  const steps: Record<string, StepView> = {};
  for (const s of run.steps ?? []) steps[s.node] = { ...s, logTick: 0 };
  return { run, steps, lastSeq: run.last_seq };
}

/** Apply events in order; an event at or below lastSeq was already applied and is skipped. */
export function applyEvents(view: RunView, events: readonly RunEvent[], frameLastSeq = 0): RunView {
  let { run, steps, lastSeq } = view;
  let changedSteps = false;
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (const event of sorted) {
    if (event.seq <= lastSeq) continue;
    lastSeq = event.seq;
    const at = event.created_at;
    if (event.type === "run.status") {
      if (run) run = runStatus(run, event.payload.status, event.payload.error, at);
      continue;
    }
    if (!changedSteps) {
      steps = { ...steps };
      changedSteps = true;
    }
    const node = event.payload.node;
    const step = steps[node] ?? emptyStep(node);
    switch (event.type) {
      case "step.status":
        steps[node] = stepStatus(step, event.payload, at);
        break;
      case "step.log":
        steps[node] = {
          ...step,
          has_log: true,
          logTick: step.logTick + 1,
          preparing: preparingAfter(step.preparing ?? false, event.payload.lines),
        };
        break;
      case "step.output": {
        const { node: _n, step: _s, port, ...output } = event.payload;
        const value: StepOutput = output;
        steps[node] = { ...step, outputs: { ...step.outputs, [port]: value } };
        break;
      }
    }
  }
  const next = Math.max(lastSeq, frameLastSeq);
  if (next === view.lastSeq && run === view.run && steps === view.steps) return view;
  return { run, steps, lastSeq: next };
}

// The worker's environment build is the first phase of a step: its lines come as
// `[conveyor] Preparing environment: ...` and end with `environment ready`
// (designer/environments/steps.py).
const PREPARING = "Preparing environment";
const READY = "environment ready";

function preparingAfter(preparing: boolean, lines: readonly (readonly [string, string])[]): boolean {
  let now = preparing;
  for (const [stream, text] of lines) {
    if (stream !== "conveyor") now = false;
    else if (text.startsWith(PREPARING)) now = true;
    else if (text === READY) now = false;
  }
  return now;
}

function runStatus(run: Run, status: RunStatus, error: string, at: string | null): Run {
  return {
    ...run,
    status,
    error,
    started_at: run.started_at ?? (status === "Running" ? at : null),
    ended_at: isTerminal(status) ? (run.ended_at ?? at) : run.ended_at,
  };
}

function stepStatus(step: StepView, p: Extract<RunEvent, { type: "step.status" }>["payload"], at: string | null): StepView {
  const retried = p.attempt !== step.attempt;
  const next: StepView = {
    ...step,
    id: p.step || step.id,
    status: p.status,
    attempt: p.attempt,
    reused: p.reused,
    reused_from: p.reused_from,
    reused_from_run: p.reused_from === step.reused_from ? step.reused_from_run : undefined,
    reason: p.reason,
    error: p.error,
    exit_code: p.exit_code,
    worker: p.worker,
  };
  if (p.status === "Queued") {
    next.queued_at = at;
    next.started_at = null;
    next.ended_at = null;
    if (retried) {
      next.logTick = 0;
      next.start = null; // the new attempt's process has not started yet
    }
  }
  if (p.status === "Running") next.started_at = at;
  else next.preparing = false;
  if (isTerminal(p.status)) next.ended_at = at;
  if (p.status === "Completed" && p.reused) next.started_at = next.started_at ?? at;
  return next;
}

/** Take the slow-changing step facts (parameters, inputs, cache key, reuse origin, start) from a fresh snapshot. */
export function mergeDetails(view: RunView, run: Run): RunView {
  const steps = { ...view.steps };
  for (const fresh of run.steps ?? []) {
    const current = steps[fresh.node];
    if (!current) continue;
    steps[fresh.node] = {
      ...current,
      component: fresh.component,
      params: fresh.params,
      inputs: fresh.inputs,
      cache_key: fresh.cache_key,
      queue: fresh.queue,
      // a snapshot taken before a retry still has the previous attempt's start
      start: fresh.attempt === current.attempt ? (fresh.start ?? null) : current.start,
      reused_from_run: fresh.reused_from === current.reused_from ? fresh.reused_from_run : current.reused_from_run,
      outputs: { ...fresh.outputs, ...current.outputs },
    };
  }
  return { ...view, steps };
}
