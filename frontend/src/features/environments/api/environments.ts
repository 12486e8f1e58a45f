import { apiFetch, qs } from "../../../lib/api";
import type { Paginated } from "../../../lib/types";
import { useQuery } from "../../../lib/useQuery";

/** One registered `name@version` (GET /api/environments/). */
export interface EnvironmentSummary {
  name: string;
  version: string;
  reference: string;
  description: string;
  python: string;
  requirements: string[];
  hash: string;
  created_by: string | null;
  created_at: string;
}

export interface EnvironmentVersion extends EnvironmentSummary {
  yaml: string;
  warnings: string[];
}

export interface EnvironmentDetail {
  name: string;
  versions: EnvironmentSummary[];
}

export const listEnvironments = (search: string, signal?: AbortSignal) =>
  apiFetch<Paginated<EnvironmentSummary>>(`/api/environments/${qs({ search, page_size: 1000 })}`, { signal });

export const fetchEnvironment = (name: string, signal?: AbortSignal) =>
  apiFetch<EnvironmentDetail>(`/api/environments/${encodeURIComponent(name)}/`, { signal });

export const fetchEnvironmentVersion = (name: string, version: string, signal?: AbortSignal) =>
  apiFetch<EnvironmentVersion>(`/api/environments/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/`, { signal });

export const useEnvironments = (search: string) => useQuery(`envs:${search}`, (signal) => listEnvironments(search, signal));

export const useEnvironment = (name: string) => useQuery(`env:${name}`, (signal) => fetchEnvironment(name, signal));

export const useEnvironmentVersion = (name: string, version: string | null) =>
  useQuery(version ? `envv:${name}@${version}` : null, (signal) => fetchEnvironmentVersion(name, version ?? "", signal));
