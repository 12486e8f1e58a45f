import { apiFetch, qs } from "../lib/api";
import type { Paginated, Primitive, RunStatus, StepStatus } from "../lib/types";

export interface StepOutput {
  path: string;
  type: string;
  sha256: string;
  size: number;
  kind: string;
  file_count?: number;
}

/** How a step's process started: from a warm pool or cold, and how long that took. */
export interface StepStart {
  kind: "warm" | "cold";
  /** null when the engine could not time it */
  latency_ms: number | null;
  /** why it started cold (or warm), when the engine says */
  reason?: string;
}

export interface RunStep {
  id: number;
  node: string;
  component: string | null;
  status: StepStatus;
  attempt: number;
  queue: string;
  worker: string;
  queued_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  error: string;
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  cache_key: string;
  reused: boolean;
  reused_from: number | null;
  reused_from_run?: number | null;
  reason: string;
  outputs: Record<string, StepOutput>;
  has_log: boolean;
  /** null until the step's process has started (and for a reused step) */
  start: StepStart | null;
}

export interface Run {
  id: number;
  pipeline: number;
  pipeline_name: string;
  version: number;
  user: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  settings: Record<string, unknown>;
  error: string;
  cancel_requested: boolean;
  rerun_of: number | null;
  last_seq: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** what people call the run (empty when never named) */
  name?: string;
  description?: string;
  tags?: Record<string, string>;
  steps?: RunStep[];
}

export interface RunLabel {
  name: string;
  description: string;
  tags: Record<string, string>;
}

export const updateRunLabel = (id: string | number, body: Partial<RunLabel>) => apiFetch<RunLabel>(`${base(id)}label/`, { method: "PATCH", body });

export interface SubmitRun {
  pipeline: string | number;
  version: number;
  inputs: Record<string, Primitive>;
  settings: Record<string, unknown>;
}

const base = (id: string | number) => `/api/runs/${encodeURIComponent(String(id))}/`;
const stepBase = (id: string | number, node: string) => `${base(id)}steps/${encodeURIComponent(node)}/`;

export const submitRun = (body: SubmitRun) => apiFetch<Run>("/api/runs/", { method: "POST", body });

export const fetchRun = (id: string | number, signal?: AbortSignal) => apiFetch<Run>(base(id), { signal });

export interface RunQuery {
  status?: string;
  pipeline?: string;
  page?: number;
}

export const listRuns = (q: RunQuery, signal?: AbortSignal) => apiFetch<Paginated<Run>>(`/api/runs/${qs({ ...q })}`, { signal });

export const cancelRun = (id: string | number) => apiFetch<Run>(`${base(id)}cancel/`, { method: "POST", body: {} });

export const rerunRun = (id: string | number) => apiFetch<Run>(`${base(id)}rerun/`, { method: "POST", body: {} });

export interface LogChunk {
  start: number;
  end: number;
  size: number;
  text: string;
  complete: boolean;
}

/** Whole log lines ending at `before` (default: the end of the file) or starting at `after`. */
export const fetchLogChunk = (id: string | number, node: string, at: { before?: number; after?: number }, signal?: AbortSignal) =>
  apiFetch<LogChunk>(`${stepBase(id, node)}log/chunk/${qs({ before: at.before, after: at.after })}`, { signal });

export const logDownloadUrl = (id: string | number, node: string) => `${stepBase(id, node)}log/`;

export interface TableColumn {
  name: string;
  dtype: string;
}

export interface ColumnStats {
  name: string;
  dtype: string;
  count: number;
  missing: number;
  distinct: number;
  min?: number | string | boolean;
  max?: number | string | boolean;
  mean?: number;
  histogram?: { counts: number[]; edges: number[] };
  top: { value: unknown; count: number }[];
}

export interface TableStats {
  rows: number;
  sampled: boolean;
  columns: ColumnStats[];
}

export type Preview =
  | { kind: "table"; columns: TableColumn[]; rows: unknown[][]; total_rows: number | null; stats?: TableStats }
  | { kind: "model"; model: Record<string, unknown> }
  | { kind: "image"; content_type: string }
  | { kind: "metrics"; metrics: Record<string, Primitive> }
  | { kind: "other"; error?: string }
  | { kind: "none" };

export interface OutputPreview {
  port: string;
  type: string;
  size: number;
  files: { path: string; size: number }[];
  main: string | null;
  preview: Preview;
  /** every image of the output, shown inline */
  images?: string[];
}

export const fetchPreview = (id: string | number, node: string, port: string, signal?: AbortSignal) =>
  apiFetch<OutputPreview>(`${stepBase(id, node)}outputs/${encodeURIComponent(port)}/preview/`, { signal });

export const outputFileUrl = (id: string | number, node: string, port: string, path: string, inline = false) =>
  `${stepBase(id, node)}outputs/${encodeURIComponent(port)}/download/${qs({ path, inline: inline ? 1 : undefined })}`;

export const outputZipUrl = (id: string | number, node: string, port: string) => `${stepBase(id, node)}outputs/${encodeURIComponent(port)}/`;
