import { apiFetch, qs } from "../lib/api";
import { useQuery } from "../lib/useQuery";

/** A datastore granted to the user (docs/datasets.md); never its server folder. */
export interface Datastore {
  name: string;
  kind: string;
  description: string;
  access: "read" | "write" | null;
  reference: string;
}

export interface DatastoreEntry {
  name: string;
  path: string;
  kind: "file" | "dir";
  size: number;
  /** `azureml://datastores/<name>/paths/<path>`: the value a data input takes */
  reference: string;
}

export interface DatastoreListing {
  datastore: string;
  path: string;
  entries: DatastoreEntry[];
}

export function fetchDatastores(signal?: AbortSignal): Promise<Datastore[]> {
  return apiFetch<{ results: Datastore[] }>("/api/datastores/", { signal }).then((r) => r.results);
}

export function fetchDatastoreFolder(name: string, path: string, signal?: AbortSignal): Promise<DatastoreListing> {
  return apiFetch<DatastoreListing>(`/api/datastores/${encodeURIComponent(name)}/browse/${qs({ path })}`, { signal });
}

/** The datastores granted to the user; `enabled` false fetches nothing (a closed picker). */
export function useDatastores(enabled: boolean) {
  return useQuery(enabled ? "datastores" : null, (signal) => fetchDatastores(signal));
}

/** One folder of a datastore; `name` null fetches nothing. */
export function useDatastoreFolder(name: string | null, path: string) {
  return useQuery(name === null ? null : `datastore:${name}:${path}`, (signal) => fetchDatastoreFolder(name ?? "", path, signal));
}
