/** Datasets: upload (POST /api/datasets/), the list (owner, version) and one dataset with its preview. */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, apiFetch, readCookie } from "../lib/api";
import { useQuery } from "../lib/useQuery";

/** A stored upload: `reference` is the value a data input takes (docs/datasets.md); no server path. */
export interface Dataset {
  id: number;
  reference: string;
  sha256: string;
  name: string;
  size: number;
  type: string;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST /api/datasets/ (multipart field `file`). XMLHttpRequest rather than fetch because
 * only XHR reports upload progress; session cookie and CSRF header as in apiFetch.
 */
export function uploadDataset(file: File, opts: { onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {}): Promise<Dataset> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/datasets/");
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json");
    const token = readCookie("csrftoken");
    if (token) xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.onprogress = (e) => opts.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      const data = parseJson(xhr.responseText);
      if (xhr.status === 201 || xhr.status === 200) return resolve(data as Dataset);
      reject(errorFrom(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "Cannot reach the server.", null));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    if (opts.signal) {
      // abort() before send() fires no event: settle here instead.
      if (opts.signal.aborted) return reject(new DOMException("Upload cancelled", "AbortError"));
      opts.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function errorFrom(status: number, data: unknown): ApiError {
  const err = (data ?? {}) as { code?: string; message?: string; detail?: string; details?: unknown };
  // A proxy's 413 has no JSON body: still say what happened.
  const fallback = status === 413 ? "The file is too large for the server." : `Upload failed (${status})`;
  return new ApiError(
    status,
    err.code ?? (status === 413 ? "too_large" : `http_${status}`),
    err.message ?? err.detail ?? fallback,
    err.details ?? data,
  );
}

export type UploadState =
  | { phase: "idle" }
  | { phase: "uploading"; name: string; loaded: number; total: number }
  | { phase: "done"; dataset: Dataset }
  | { phase: "error"; name: string; message: string };

/** One file upload at a time: its state, start (cancels a running one) and cancel. */
export function useDatasetUpload(onUploaded: (dataset: Dataset) => void) {
  const [state, setState] = useState<UploadState>({ phase: "idle" });
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(onUploaded);
  useEffect(() => {
    latest.current = onUploaded;
  }, [onUploaded]);
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback((file: File) => {
    controller.current?.abort();
    const own = new AbortController();
    controller.current = own;
    setState({ phase: "uploading", name: file.name, loaded: 0, total: file.size });
    uploadDataset(file, {
      signal: own.signal,
      onProgress: (p) => setState({ phase: "uploading", name: file.name, loaded: p.loaded, total: p.total }),
    }).then(
      (dataset) => {
        if (own.signal.aborted) return;
        setState({ phase: "done", dataset });
        latest.current(dataset);
      },
      (e: unknown) => {
        if (own.signal.aborted) return;
        setState({ phase: "error", name: file.name, message: e instanceof Error ? e.message : String(e) });
      },
    );
  }, []);

  const cancel = useCallback(() => {
    controller.current?.abort();
    controller.current = null;
    setState({ phase: "idle" });
  }, []);

  return { state, start, cancel };
}

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

export const useDatasetRows = () => useQuery("datasets", (signal) => apiFetch<{ results: DatasetRow[] }>("/api/datasets/", { signal }));

export const useDatasetDetail = (id: number | null) =>
  useQuery(id === null ? null : `dataset:${id}`, (signal) => apiFetch<DatasetDetail>(`/api/datasets/${id}/`, { signal }));
