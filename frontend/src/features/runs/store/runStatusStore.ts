/** Run status by node id, separate from the canvas store. Fed by hooks (polling, later sockets). */
import { create } from "zustand";

export type StepStatus = "NotStarted" | "Queued" | "Running" | "Completed" | "Failed" | "Canceled" | "Skipped" | "Reused";

export interface RunStep {
  node: string;
  status: StepStatus | string;
  [key: string]: unknown;
}

export interface Run {
  id: number | string;
  status: string;
  steps?: RunStep[];
  [key: string]: unknown;
}

interface RunStatusState {
  run: Run | null;
  byNode: Record<string, string>;
  setRun(run: Run | null): void;
}

export const useRunStatusStore = create<RunStatusState>()((set) => ({
  run: null,
  byNode: {},
  setRun(run) {
    const byNode: Record<string, string> = {};
    for (const s of run?.steps ?? []) byNode[s.node] = s.status;
    set({ run, byNode });
  },
}));
