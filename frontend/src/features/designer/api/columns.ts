/** Columns of a step output, from the latest run of the pipeline the user may see. */
import { apiFetch, qs } from "../../../lib/api";
import { useQuery } from "../../../lib/useQuery";

export interface ColumnInfo {
  name: string;
  dtype: string;
}

export interface OutputColumns {
  run: number | null;
  node: string;
  port: string;
  columns: ColumnInfo[];
}

export function fetchOutputColumns(pipelineId: string, node: string, port: string, signal?: AbortSignal): Promise<OutputColumns> {
  return apiFetch<OutputColumns>(`/api/pipelines/${encodeURIComponent(pipelineId)}/columns/${qs({ node, port })}`, { signal });
}

/** `source` null (not connected, or an unsaved pipeline): nothing to fetch. */
export function useOutputColumns(pipelineId: string | null, source: { node: string; port: string } | null) {
  const key = pipelineId && source ? `${pipelineId}/${source.node}/${source.port}` : null;
  return useQuery(key, (signal) => fetchOutputColumns(pipelineId ?? "", source?.node ?? "", source?.port ?? "", signal));
}
