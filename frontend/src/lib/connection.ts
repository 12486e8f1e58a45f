/**
 * The connection rule, the same table as the server's validator: an edge is allowed iff the
 * target type is in compatibility[source type] and the target input is free.
 */

export type CompatibilityTable = Record<string, readonly string[]>;

/** Built-in copy of the server table (GET /api/meta/ overrides it at run time). */
export const DEFAULT_COMPATIBILITY: CompatibilityTable = {
  uri_folder: ["uri_folder", "mltable", "custom_model"],
  uri_file: ["uri_file"],
  mltable: ["mltable", "uri_folder"],
  mlflow_model: ["mlflow_model", "custom_model", "uri_folder"],
  custom_model: ["custom_model", "uri_folder"],
};

/** Parameter types: set as values or bound to pipeline inputs, never connected by an edge. */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set(["string", "integer", "number", "boolean"]);

export function isPrimitiveType(type: string | undefined): boolean {
  return type !== undefined && PRIMITIVE_TYPES.has(type);
}

/** Data types: a pipeline input of one of these takes a path (typed, or from an upload). */
export const DATA_TYPES: ReadonlySet<string> = new Set(["uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model"]);

export function isDataType(type: string | undefined): boolean {
  return type !== undefined && DATA_TYPES.has(type);
}

export type ConnectionRefusal = "unknown_port" | "primitive_port" | "incompatible_types" | "input_taken" | "self_loop" | "cycle";

export type ConnectionCheck = { ok: true } | { ok: false; code: ConnectionRefusal; reason: string };

export interface ConnectionQuery {
  sourceNode: string;
  sourcePort: string;
  /** undefined when the port does not exist on the component */
  sourceType: string | undefined;
  targetNode: string;
  targetPort: string;
  targetType: string | undefined;
  /** an edge already ends at this input, or it is bound to a pipeline input */
  targetTaken: boolean;
  /** the new edge would close a cycle */
  createsCycle?: boolean;
  compatibility?: CompatibilityTable;
}

export function checkConnection(q: ConnectionQuery): ConnectionCheck {
  const table = q.compatibility ?? DEFAULT_COMPATIBILITY;
  if (q.sourceType === undefined || q.targetType === undefined) {
    return { ok: false, code: "unknown_port", reason: "Unknown port: the component spec has no such port." };
  }
  if (isPrimitiveType(q.targetType) || isPrimitiveType(q.sourceType)) {
    return {
      ok: false,
      code: "primitive_port",
      reason: `"${q.targetPort}" is a ${q.targetType} parameter: set a value or bind a pipeline input instead.`,
    };
  }
  if (q.sourceNode === q.targetNode) {
    return { ok: false, code: "self_loop", reason: "A node cannot feed itself." };
  }
  const allowed = table[q.sourceType] ?? [];
  if (!allowed.includes(q.targetType)) {
    return {
      ok: false,
      code: "incompatible_types",
      reason: `Incompatible types: ${q.sourceType} output "${q.sourcePort}" cannot feed ${q.targetType} input "${q.targetPort}".`,
    };
  }
  if (q.targetTaken) {
    return { ok: false, code: "input_taken", reason: `Input "${q.targetPort}" of ${q.targetNode} is already connected.` };
  }
  if (q.createsCycle) {
    return { ok: false, code: "cycle", reason: "This connection would create a cycle." };
  }
  return { ok: true };
}

/** True when an edge source -> target would close a cycle: target already reaches source. */
export function wouldCreateCycle(edges: readonly { source: string; target: string }[], source: string, target: string): boolean {
  if (source === target) return true;
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const seen = new Set<string>([target]);
  const stack = [target];
  while (stack.length) {
    const n = stack.pop() as string;
    if (n === source) return true;
    for (const m of out.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return false;
}
