import { describe, expect, it } from "vitest";
import { applyEvents, fromSnapshot, mergeDetails, nodeStatus } from "./runView";
import type { Run, RunStep } from "../../../api/runs";
import type { RunEvent } from "../lib/events";
import { parseFrame, parseRunEvent, RUN_EVENT_TYPES } from "../lib/events";

function step(node: string, extra: Partial<RunStep> = {}): RunStep {
  return {
    id: 1,
    node,
    component: "t_echo@1",
    status: "NotStarted",
    attempt: 1,
    queue: "cpu",
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
    ...extra,
  };
}

function run(extra: Partial<Run> = {}): Run {
  return {
    id: 7,
    pipeline: 1,
    pipeline_name: "p",
    version: 1,
    user: "olivia",
    status: "Queued",
    inputs: {},
    settings: {},
    error: "",
    cancel_requested: false,
    rerun_of: null,
    last_seq: 2,
    created_at: "2025-01-01T00:00:00Z",
    started_at: null,
    ended_at: null,
    steps: [step("a"), step("b")],
    ...extra,
  };
}

const at = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, "0")}Z`;

function stepStatus(seq: number, node: string, status: string, extra: Record<string, unknown> = {}): RunEvent {
  return {
    run: 7,
    seq,
    type: "step.status",
    created_at: at(seq),
    payload: { node, step: 1, status, attempt: 1, reused: false, reused_from: null, reason: "", error: "", exit_code: null, worker: "w", ...extra },
  } as RunEvent;
}

describe("the run view reducer", () => {
  it("applies step and run status events on top of the snapshot, with their times", () => {
    const view = applyEvents(fromSnapshot(run()), [
      stepStatus(3, "a", "Running"),
      { run: 7, seq: 4, type: "run.status", created_at: at(4), payload: { status: "Running", error: "" } },
      stepStatus(5, "a", "Completed", { exit_code: 0 }),
    ]);
    expect(view.lastSeq).toBe(5);
    expect(view.run?.status).toBe("Running");
    expect(view.run?.started_at).toBe(at(4));
    expect(view.steps.a?.status).toBe("Completed");
    expect(view.steps.a?.started_at).toBe(at(3));
    expect(view.steps.a?.ended_at).toBe(at(5));
    expect(view.steps.b?.status).toBe("NotStarted");
  });

  it("marks a running step as preparing its environment until the build ends or the step prints", () => {
    const logs = (seq: number, lines: [string, string][]): RunEvent =>
      ({ run: 7, seq, type: "step.log", created_at: null, payload: { node: "a", step: 1, attempt: 1, lines } }) as RunEvent;
    let view = applyEvents(fromSnapshot(run()), [
      stepStatus(3, "a", "Running"),
      logs(4, [["conveyor", "Preparing environment: building environment abc-py3.10: python 3.10, 2 requirement(s)"]]),
      logs(5, [["conveyor", "uv: Resolved 6 packages in 258ms"]]),
    ]);
    expect(view.steps.a?.preparing).toBe(true);
    view = applyEvents(view, [
      logs(6, [
        ["conveyor", "environment abc-py3.10 built in 0.4 s"],
        ["conveyor", "environment ready"],
      ]),
    ]);
    expect(view.steps.a?.preparing).toBe(false);
    view = applyEvents(view, [logs(7, [["conveyor", "Preparing environment: another step is building this environment; waiting for it"]])]);
    expect(view.steps.a?.preparing).toBe(true);
    view = applyEvents(view, [logs(8, [["stdout", "hello"]])]);
    expect(view.steps.a?.preparing).toBe(false);
  });

  it("skips events it already applied (a replay overlapping the snapshot)", () => {
    const start = fromSnapshot(run({ last_seq: 5 }));
    const view = applyEvents(start, [stepStatus(4, "a", "Failed"), stepStatus(5, "a", "Failed")]);
    expect(view.steps.a?.status).toBe("NotStarted");
    expect(view).toBe(start);
  });

  it("orders a frame by seq, so a merged log batch cannot undo a later status", () => {
    const log: RunEvent = {
      run: 7,
      seq: 6,
      type: "step.log",
      created_at: null,
      payload: { node: "a", step: 1, attempt: 1, lines: [["stdout", "x"]] },
    };
    const view = applyEvents(fromSnapshot(run()), [log, stepStatus(3, "a", "Running"), stepStatus(4, "a", "Completed")], 6);
    expect(view.steps.a?.status).toBe("Completed");
    expect(view.steps.a?.logTick).toBe(1);
    expect(view.lastSeq).toBe(6);
  });

  it("marks a reused step distinctly and keeps where it came from", () => {
    const view = applyEvents(fromSnapshot(run()), [stepStatus(3, "b", "Completed", { reused: true, reused_from: 99 })]);
    expect(view.steps.b && nodeStatus(view.steps.b)).toBe("Reused");
    const detailed = mergeDetails(view, run({ steps: [step("a"), step("b", { reused: true, reused_from: 99, reused_from_run: 3 })] }));
    expect(detailed.steps.b?.reused_from_run).toBe(3);
  });

  it("records outputs as they are announced", () => {
    const output: RunEvent = {
      run: 7,
      seq: 3,
      type: "step.output",
      created_at: null,
      payload: { node: "a", step: 1, port: "out", type: "uri_folder", path: "runs/7/a/1/outputs/out", sha256: "ab", size: 3, kind: "folder" },
    };
    const view = applyEvents(fromSnapshot(run()), [output]);
    expect(view.steps.a?.outputs.out).toEqual({ type: "uri_folder", path: "runs/7/a/1/outputs/out", sha256: "ab", size: 3, kind: "folder" });
  });

  it("a retry (new attempt) requeues the step and restarts its log", () => {
    let view = applyEvents(fromSnapshot(run()), [
      stepStatus(3, "a", "Running"),
      { run: 7, seq: 4, type: "step.log", created_at: null, payload: { node: "a", step: 1, attempt: 1, lines: [] } },
    ]);
    view = applyEvents(view, [stepStatus(5, "a", "Queued", { attempt: 2 })]);
    expect(view.steps.a).toMatchObject({ status: "Queued", attempt: 2, logTick: 0, started_at: null });
  });

  it("takes how a step started from a fresh snapshot, and forgets it when the step is retried", () => {
    const warm = { kind: "warm" as const, latency_ms: 24 };
    let view = applyEvents(fromSnapshot(run()), [stepStatus(3, "a", "Running")]);
    expect(view.steps.a?.start).toBeNull();
    view = mergeDetails(view, run({ steps: [step("a", { status: "Running", start: warm }), step("b")] }));
    expect(view.steps.a?.start).toEqual(warm);
    view = applyEvents(view, [stepStatus(4, "a", "Queued", { attempt: 2 })]);
    expect(view.steps.a?.start).toBeNull();
    // A snapshot of the first attempt, read after the retry, does not bring its start back.
    view = mergeDetails(view, run({ steps: [step("a", { status: "Running", start: warm }), step("b")] }));
    expect(view.steps.a?.start).toBeNull();
  });
});

describe("the event union", () => {
  it("lists exactly the server's event names", () => {
    expect([...RUN_EVENT_TYPES].sort()).toEqual(["run.status", "step.log", "step.output", "step.status"]);
  });

  it("accepts known events and ignores unknown or malformed ones", () => {
    expect(parseRunEvent({ run: 1, seq: 1, type: "step.log", payload: { node: "a", lines: [] }, created_at: null })).not.toBeNull();
    expect(parseRunEvent({ run: 1, seq: 1, type: "step.teleported", payload: { node: "a" } })).toBeNull();
    expect(parseRunEvent({ run: 1, type: "run.status", payload: {} })).toBeNull();
    expect(parseRunEvent({ run: 1, seq: 2, type: "step.status", payload: {} })).toBeNull();
  });

  it("reads a socket frame and its last seq", () => {
    const frame = parseFrame(
      JSON.stringify({
        type: "events",
        last_seq: 9,
        events: [{ run: 1, seq: 9, type: "run.status", payload: { status: "Completed", error: "" }, created_at: null }, { type: "nope" }],
      }),
    );
    expect(frame?.lastSeq).toBe(9);
    expect(frame?.events.map((e) => e.type)).toEqual(["run.status"]);
    expect(parseFrame('{"type":"pong"}')).toBeNull();
    expect(parseFrame("not json")).toBeNull();
  });
});
