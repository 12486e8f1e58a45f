/** Which component a dropped wire can go to: one rule, lib/connection's checkConnection. */
import { checkConnection, isPrimitiveType } from "../../../lib/connection";
import type { CompatibilityTable } from "../../../lib/connection";
import type { ComponentSpec } from "../../../lib/types";

/** The end of a wire dropped on empty canvas: an output (source) or an input (target). */
export interface WireEnd {
  node: string;
  port: string;
  handle: "source" | "target";
  type: string;
}

const NEW_NODE = "\u0000new";

/** The first port of `spec` that the wire may connect to, or null when none. */
export function compatiblePort(spec: ComponentSpec, from: WireEnd, compatibility?: CompatibilityTable): string | null {
  if (from.handle === "source") {
    for (const [name, port] of Object.entries(spec.inputs ?? {})) {
      if (isPrimitiveType(port.type)) continue;
      const verdict = checkConnection({
        sourceNode: from.node,
        sourcePort: from.port,
        sourceType: from.type,
        targetNode: NEW_NODE,
        targetPort: name,
        targetType: port.type,
        targetTaken: false,
        compatibility,
      });
      if (verdict.ok) return name;
    }
    return null;
  }
  for (const [name, port] of Object.entries(spec.outputs ?? {})) {
    const verdict = checkConnection({
      sourceNode: NEW_NODE,
      sourcePort: name,
      sourceType: port.type,
      targetNode: from.node,
      targetPort: from.port,
      targetType: from.type,
      targetTaken: false,
      compatibility,
    });
    if (verdict.ok) return name;
  }
  return null;
}

/** Whether every word of the query is in the component's name, title or description. */
export function matchesQuery(c: { name: string; display_name?: string; description?: string }, query: string): boolean {
  const hay = `${c.name} ${c.display_name ?? ""} ${c.description ?? ""}`.toLowerCase();
  return query
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}
