import { apiFetch, qs } from "../../../lib/api";
import type { PipelineDocument, Primitive } from "../../../lib/types";
import type { Run } from "../../../api/runs";
import type { StepStatus } from "../lib/events";

/** The comparison's run summary: a run's identity, inputs, settings, times and label (the
 * server's RunSummarySerializer), without the run's own error, rerun and event fields. */
export type ComparedRun = Pick<
  Run,
  "id" | "pipeline" | "pipeline_name" | "version" | "user" | "status" | "inputs" | "settings" | "created_at" | "started_at" | "ended_at"
> &
  Required<Pick<Run, "name" | "description" | "tags">>;

export interface ComparedStep {
  status: StepStatus;
  reused: boolean;
  reason: string;
  duration_ms: number | null;
  cache_key: string;
}

export interface Comparison {
  runs: ComparedRun[];
  document: PipelineDocument;
  steps: { node: string; runs: (ComparedStep | null)[]; cache_differs: boolean }[];
  metrics: { key: string; values: (Primitive | null)[] }[];
  images: { node: string; port: string; path: string; runs: boolean[] }[];
}

export const fetchComparison = (ids: readonly (string | number)[], signal?: AbortSignal) =>
  apiFetch<Comparison>(`/api/runs/compare/${qs({ ids: ids.join(",") })}`, { signal });

/** Every metric of each run's metrics.json outputs, by run id ("node.port/metric" keys). */
export const fetchRunMetrics = (ids: readonly (string | number)[], signal?: AbortSignal) =>
  apiFetch<Record<string, Record<string, Primitive>>>(`/api/runs/metrics/${qs({ ids: ids.join(",") })}`, { signal });
