/** Node ids match ^[A-Za-z_][A-Za-z0-9_-]{0,63}$, derived from the component name. */

export const NODE_ID_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function baseNodeId(componentName: string): string {
  let s = componentName.replace(/@.*$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  return s.slice(0, 56) || "node";
}

/** First free id among base, base_2, base_3, ... */
export function uniqueNodeId(componentName: string, taken: ReadonlySet<string>): string {
  const base = baseNodeId(componentName);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** A free pipeline-input name derived from a port name. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_]/g, "_") || "input";
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}_${i}`)) return `${clean}_${i}`;
}
