import { apiFetch } from "../../../lib/api";
import type { PipelineDetail } from "../../../lib/types";
import { useQuery } from "../../../lib/useQuery";

export interface Template {
  slug: string;
  name: string;
  description: string;
}

export const listTemplates = (signal?: AbortSignal) => apiFetch<Template[]>("/api/templates/", { signal });

export const instantiateTemplate = (slug: string) =>
  apiFetch<PipelineDetail>(`/api/templates/${encodeURIComponent(slug)}/instantiate/`, { method: "POST", body: {} });

/** Templates, or an empty list while the endpoint does not exist (404): the UI hides the button. */
export const useTemplates = () => useQuery("templates", (signal) => listTemplates(signal).catch(() => [] as Template[]));
