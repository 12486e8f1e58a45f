export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function categoryOf(tags: Record<string, string> | undefined): string {
  return tags?.category?.trim() || "Other";
}

const TYPE_COLORS: Record<string, string> = {
  uri_folder: "#3b82f6",
  uri_file: "#f97316",
  mltable: "#10b981",
  mlflow_model: "#f59e0b",
  custom_model: "#ef4444",
  string: "#8b5cf6",
  integer: "#a855f7",
  number: "#d946ef",
  boolean: "#64748b",
};

export function typeColor(type: string | undefined): string {
  return (type && TYPE_COLORS[type]) || "#94a3b8";
}

/** 1536 -> "1.5 kB": decimal units, as file managers show them. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, "")} ${units[i]}`;
}

/** A tag as people read it: "Data Input" for the category, "key: value" for others. */
export function tagLabel(tag: string): string {
  const [k, v] = tag.split(/:(.*)/s);
  if (v === undefined) return tag;
  return k === "category" ? v : `${k}: ${v}`;
}
