/** Where new nodes go: never exactly on top of existing ones. Pure. */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 16;
const MAX_TRIES = 200;

export function overlaps(a: Rect, b: Rect, gap = GAP): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

/**
 * The first offset start, start + step, start + 2 * step, ... at which no rect of `group`
 * overlaps a rect of `others`.
 */
export function freeOffset(
  group: readonly Rect[],
  others: readonly Rect[],
  start: { x: number; y: number },
  step: { x: number; y: number },
): { x: number; y: number } {
  for (let i = 0; i < MAX_TRIES; i++) {
    const dx = start.x + i * step.x;
    const dy = start.y + i * step.y;
    const clash = group.some((g) => others.some((o) => overlaps({ ...g, x: g.x + dx, y: g.y + dy }, o)));
    if (!clash) return { x: dx, y: dy };
  }
  return { x: start.x + MAX_TRIES * step.x, y: start.y + MAX_TRIES * step.y };
}

/** A display name not used yet: "Split Data (copy)", "Split Data (copy 2)", ... */
export function copyName(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/ \(copy(?: \d+)?\)$/, "");
  if (!taken.has(`${base} (copy)`)) return `${base} (copy)`;
  for (let i = 2; ; i++) if (!taken.has(`${base} (copy ${i})`)) return `${base} (copy ${i})`;
}
