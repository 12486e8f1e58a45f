/** Run status by node id, separate from the canvas store; fed by hooks (socket, fetches). */
import { create } from "zustand";
import type { Run, RunLabel } from "../../../api/runs";
import type { RunEvent } from "../lib/events";
import { applyEvents, EMPTY_VIEW, fromSnapshot, mergeDetails, nodeStatus } from "./runView";
import type { NodeStatus, RunView } from "./runView";

export type { Run, RunStep } from "../../../api/runs";
export type Connection = "idle" | "connecting" | "live" | "reconnecting" | "refused";

interface RunStatusState extends RunView {
  /** The canvas badge of each node (ComponentNode reads it). */
  byNode: Record<string, NodeStatus>;
  connection: Connection;
  connectionError: string | null;
  setRun(run: Run | null): void;
  applyFrame(events: readonly RunEvent[], lastSeq: number): void;
  mergeDetails(run: Run): void;
  /** The run's name, description and tags changed (PATCH .../label/). */
  setLabel(label: RunLabel): void;
  setConnection(connection: Connection, error?: string | null): void;
}

function badges(view: RunView): Record<string, NodeStatus> {
  const byNode: Record<string, NodeStatus> = {};
  for (const [node, step] of Object.entries(view.steps)) byNode[node] = nodeStatus(step);
  return byNode;
}

export const useRunStatusStore = create<RunStatusState>()((set, get) => ({
  ...EMPTY_VIEW,
  byNode: {},
  connection: "idle",
  connectionError: null,
  setRun(run) {
    const view = run ? fromSnapshot(run) : EMPTY_VIEW;
    set({ ...view, byNode: badges(view) });
  },
  applyFrame(events, lastSeq) {
    const s = get();
    const view = applyEvents(s, events, lastSeq);
    const stepsChanged = view.steps !== s.steps;
    set({ ...view, ...(stepsChanged ? { byNode: badges(view) } : {}) });
  },
  mergeDetails(run) {
    if (get().run?.id !== run.id) return;
    set(mergeDetails(get(), run));
  },
  setLabel(label) {
    const run = get().run;
    if (run) set({ run: { ...run, ...label } });
  },
  setConnection(connection, error = null) {
    set({ connection, connectionError: error });
  },
}));
