import { apiFetch, qs } from "../lib/api";
import type { ComponentDetail, ComponentSpec, ComponentSummary, Paginated } from "../lib/types";
import { splitComponentRef } from "../lib/types";
import { useQuery } from "../lib/useQuery";

export interface ComponentQuery {
  search?: string;
  tag?: string;
  page?: number;
  page_size?: number;
}

export const listComponents = (q: ComponentQuery, signal?: AbortSignal) =>
  apiFetch<Paginated<ComponentSummary>>(`/api/components/${qs({ ...q })}`, { signal });

export const fetchComponent = (name: string, signal?: AbortSignal) =>
  apiFetch<ComponentDetail>(`/api/components/${encodeURIComponent(name)}/`, { signal });

export const fetchComponentVersion = (name: string, version: string, signal?: AbortSignal) =>
  apiFetch<ComponentSpec>(`/api/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/`, { signal });

/** Specs for "name@version" refs; a ref that fails to load is left out. */
export async function fetchSpecs(refs: Iterable<string>): Promise<ComponentSpec[]> {
  const specs = await Promise.all(
    [...new Set(refs)].map((ref) => {
      const [name, version] = splitComponentRef(ref);
      return fetchComponentVersion(name, version).catch(() => null);
    }),
  );
  return specs.filter((s): s is ComponentSpec => s !== null);
}

export const useComponents = (q: ComponentQuery) => useQuery(JSON.stringify(q), (signal) => listComponents(q, signal));

/** Every component for the palette, in one request. */
export const usePaletteComponents = () => useQuery("palette", (signal) => listComponents({ page_size: 500 }, signal));

export const useComponent = (name: string) => useQuery(`c:${name}`, (signal) => fetchComponent(name, signal));

export const useComponentVersion = (name: string, version: string | null) =>
  useQuery(version ? `cv:${name}@${version}` : null, (signal) => fetchComponentVersion(name, version ?? "", signal));
