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
