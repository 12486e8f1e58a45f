import { apiFetch, qs } from "../lib/api";
import type {
  Paginated,
  PipelineDetail,
  PipelineDocument,
  PipelineSummary,
  PipelineVersion,
  PipelineVersionSummary,
  ValidationError,
} from "../lib/types";
import { useQuery } from "../lib/useQuery";

const base = (id: string | number) => `/api/pipelines/${encodeURIComponent(String(id))}/`;

export interface PipelineQuery {
  search?: string;
  owner?: string;
  page?: number;
}

export const listPipelines = (q: PipelineQuery, signal?: AbortSignal) =>
  apiFetch<Paginated<PipelineSummary>>(`/api/pipelines/${qs({ ...q })}`, { signal });

export const fetchPipeline = (id: string, signal?: AbortSignal) => apiFetch<PipelineDetail>(base(id), { signal });

export const createPipeline = (body: { name: string; description: string; document: PipelineDocument; message: string }) =>
  apiFetch<PipelineDetail>("/api/pipelines/", { method: "POST", body });

export interface SavedVersion {
  number: number;
  is_valid: boolean;
  errors: ValidationError[];
}

export const saveVersion = (id: string, body: { document: PipelineDocument; message: string }) =>
  apiFetch<SavedVersion>(`${base(id)}versions/`, { method: "POST", body });

export const listVersions = (id: string, signal?: AbortSignal) =>
  apiFetch<PipelineVersionSummary[] | Paginated<PipelineVersionSummary>>(`${base(id)}versions/`, { signal }).then((r) =>
    Array.isArray(r) ? r : r.results,
  );

export const fetchVersion = (id: string, n: number, signal?: AbortSignal) => apiFetch<PipelineVersion>(`${base(id)}versions/${n}/`, { signal });

export const clonePipeline = (id: string | number, body: { name: string; version?: number }) =>
  apiFetch<PipelineDetail>(`${base(id)}clone/`, { method: "POST", body });

export const archivePipeline = (id: string | number) => apiFetch<unknown>(`${base(id)}archive/`, { method: "POST", body: {} });

export const validateDocument = (document: PipelineDocument) =>
  apiFetch<{ valid: boolean; errors: ValidationError[] }>("/api/pipelines/validate/", { method: "POST", body: { document } });

export const usePipelines = (q: PipelineQuery) => useQuery(JSON.stringify(q), (signal) => listPipelines(q, signal));
