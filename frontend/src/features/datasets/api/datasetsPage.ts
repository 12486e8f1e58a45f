/** The datasets page: GET /api/datasets/ (owner, version) and GET /api/datasets/<id>/. */
import { apiFetch } from "../../../lib/api";
import { useQuery } from "../../../lib/useQuery";
import type { Dataset } from "./datasets";

export interface DatasetRow extends Dataset {
  owner: string;
  version: number;
  created_at: string;
}

export type DatasetPreview =
  | { kind: "table"; columns: { name: string; dtype: string }[]; rows: unknown[][]; total_rows: number | null }
  | { kind: "image" | "model" | "metrics" | "none" | "other"; error?: string };

export interface DatasetDetail extends DatasetRow {
  used_by: { pipeline: number; name: string; version: number }[];
  preview: DatasetPreview;
}

export const useDatasetRows = () =>
  useQuery("datasets", (signal) => apiFetch<{ results: DatasetRow[] }>("/api/datasets/", { signal }));

export const useDatasetDetail = (id: number | null) =>
  useQuery(id === null ? null : `dataset:${id}`, (signal) => apiFetch<DatasetDetail>(`/api/datasets/${id}/`, { signal }));
