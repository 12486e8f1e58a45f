import { apiFetch } from "../../../lib/api";
import type { Primitive } from "../../../lib/types";
import type { Run } from "../store/runStatusStore";

export interface SubmitRun {
  pipeline: string | number;
  version: number;
  inputs: Record<string, Primitive>;
  settings: Record<string, unknown>;
}

export const submitRun = (body: SubmitRun) => apiFetch<Run>("/api/runs/", { method: "POST", body });

export const fetchRun = (id: string, signal?: AbortSignal) =>
  apiFetch<Run>(`/api/runs/${encodeURIComponent(id)}/`, { signal });
