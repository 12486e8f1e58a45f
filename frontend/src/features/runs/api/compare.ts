import { apiFetch, qs } from "../../../lib/api";
import type { PipelineDocument, Primitive } from "../../../lib/types";
import type { RunStatus, StepStatus } from "../lib/events";

export interface ComparedRun {
  id: number;
  pipeline: number;
  pipeline_name: string;
  version: number;
  user: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  settings: Record<string, unknown>;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  name: string;
  description: string;
  tags: Record<string, string>;
}

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
