import { formatBytes as formatSize } from "../../../lib/format";

/** Durations for the run page: "850 ms", "12 s", "3 m 04 s", "1 h 02 m". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} m`;
}

export function toMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** Time from start to end, or to `now` while it is still going. */
export function span(start: string | null | undefined, end: string | null | undefined, now: number): number | null {
  const a = toMs(start);
  if (a === null) return null;
  return (toMs(end) ?? now) - a;
}

/** The one byte format (`lib/format`: decimal kB, as uploads show sizes); "—" when unknown. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return formatSize(n);
}
