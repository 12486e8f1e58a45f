/**
 * Editor hints a component spec carries in its `tags` (docs/components.md, "Editor hints"):
 *   conveyor.editor.<input>: python | expression
 *   conveyor.column.<input>: <table input>     (one column name)
 *   conveyor.columns.<input>: <table input>    (a comma-separated list)
 *   conveyor.applies.<input>: <input>=<v>[,<v>...]
 * The server refuses malformed hints; here a malformed one is simply ignored.
 */
import type { InputPortSpec, NodeInputValue, Primitive } from "../../../lib/types";

export type EditorKind = "python" | "expression";

export interface InputHints {
  editor?: EditorKind;
  columnsFrom?: string;
  multipleColumns?: boolean;
  applies?: { input: string; values: string[] };
}

const PREFIX = "conveyor.";

export function parseHints(tags: Record<string, string> | undefined, inputs: Record<string, InputPortSpec>): Record<string, InputHints> {
  const out: Record<string, InputHints> = {};
  for (const [key, raw] of Object.entries(tags ?? {})) {
    if (!key.startsWith(PREFIX)) continue;
    const rest = key.slice(PREFIX.length);
    const dot = rest.indexOf(".");
    if (dot < 0) continue;
    const kind = rest.slice(0, dot);
    const name = rest.slice(dot + 1);
    const value = String(raw).trim();
    if (!(name in inputs)) continue;
    const hint = (out[name] ??= {});
    if (kind === "editor" && (value === "python" || value === "expression")) hint.editor = value;
    else if ((kind === "column" || kind === "columns") && value in inputs) {
      hint.columnsFrom = value;
      hint.multipleColumns = kind === "columns";
    } else if (kind === "applies") {
      const eq = value.indexOf("=");
      const other = value.slice(0, eq).trim();
      const values = value
        .slice(eq + 1)
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      if (eq > 0 && other in inputs && other !== name && values.length) hint.applies = { input: other, values };
    }
  }
  return out;
}

function effectiveValue(port: InputPortSpec | undefined, binding: NodeInputValue | undefined): Primitive | undefined {
  if (binding && "value" in binding) return binding.value;
  return port?.default ?? undefined;
}

/** Whether an input applies given the node's current values (a bound controller: always). */
export function inputApplies(
  hint: InputHints | undefined,
  inputs: Record<string, InputPortSpec>,
  values: Record<string, NodeInputValue | undefined>,
): boolean {
  if (!hint?.applies) return true;
  const binding = values[hint.applies.input];
  if (binding && !("value" in binding)) return true; // set elsewhere (a pipeline input): can't tell
  const current = effectiveValue(inputs[hint.applies.input], binding);
  if (current === undefined || current === null) return true;
  return hint.applies.values.includes(String(current));
}

/** Add or remove a column in a comma-separated list, keeping the rest as typed. */
export function toggleColumn(list: string, column: string): string {
  const parts = list
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const next = parts.includes(column) ? parts.filter((p) => p !== column) : [...parts, column];
  return next.join(", ");
}

/** Whether a comma-separated list names the column. */
export function hasColumn(list: string, column: string): boolean {
  return list.split(",").some((p) => p.trim() === column);
}
