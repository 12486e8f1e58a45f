import type { StepStart } from "../../../api/runs";
import { formatDuration } from "./time";

/** Statuses in people's words: "Not started", not "NotStarted". */
const LABELS: Record<string, string> = { NotStarted: "Not started", Canceled: "Canceled" };

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/([a-z])([A-Z])/g, (_m, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** An absolute server path never reaches the page: its last part stands for it. */
export function hidePath(value: unknown): unknown {
  if (typeof value !== "string" || !value.startsWith("/")) return value;
  const parts = value.split("/").filter(Boolean);
  return parts.length ? `…/${parts[parts.length - 1]}` : value;
}

/** A start latency: "24 ms", "1.5 s", then as durations ("1 m 05 s"). */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return formatDuration(ms);
}

/** How a step's process started, in words: "Warm start · 24 ms"; null when not known. */
export function startLabel(start: StepStart | null | undefined): { text: string; title: string | undefined } | null {
  if (!start) return null;
  const kind = String(start.kind).charAt(0).toUpperCase() + String(start.kind).slice(1);
  const ms = start.latency_ms;
  const timed = typeof ms === "number" && Number.isFinite(ms) && ms >= 0;
  return { text: timed ? `${kind} start · ${formatLatency(ms)}` : `${kind} start`, title: start.reason || undefined };
}
