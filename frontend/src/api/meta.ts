import { apiFetch } from "../lib/api";
import { DEFAULT_COMPATIBILITY } from "../lib/connection";
import type { Meta } from "../lib/types";
import { useQuery } from "../lib/useQuery";

export const FALLBACK_META: Meta = {
  compute_pools: ["cpu"],
  input_types: ["uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "string", "integer", "number", "boolean"],
  compatibility: Object.fromEntries(Object.entries(DEFAULT_COMPATIBILITY).map(([k, v]) => [k, [...v]])),
};

let cached: Promise<Meta> | null = null;

export function fetchMeta(): Promise<Meta> {
  cached ??= apiFetch<Meta>("/api/meta/").catch((e: unknown) => {
    cached = null;
    throw e;
  });
  return cached;
}

export function useMeta(): Meta {
  const { data } = useQuery("meta", () => fetchMeta());
  return data ?? FALLBACK_META;
}
