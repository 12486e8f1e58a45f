import type { ReactNode } from "react";
import { Handle, Position } from "@xyflow/react";
import type { CanvasNode } from "./document";
import { isPrimitiveType } from "../lib/connection";
import { categoryOf, typeColor } from "../lib/format";
import { splitComponentRef } from "../lib/types";
import type { ComponentSpec, ValidationError } from "../lib/types";
import { useCanvasStore } from "./canvasStore";

const NO_ERRORS: ValidationError[] = [];

interface Port {
  name: string;
  type: string;
  optional: boolean;
}

/** Port lists per spec, computed once per spec object and shared by all its nodes. */
const portCache = new WeakMap<ComponentSpec, { inputs: Port[]; outputs: Port[]; params: number }>();
export function portsOf(spec: ComponentSpec) {
  let p = portCache.get(spec);
  if (!p) {
    const all = Object.entries(spec.inputs ?? {});
    p = {
      inputs: all.filter(([, s]) => !isPrimitiveType(s.type)).map(([name, s]) => ({ name, type: s.type, optional: !!s.optional })),
      outputs: Object.entries(spec.outputs ?? {}).map(([name, s]) => ({ name, type: s.type, optional: false })),
      params: all.filter(([, s]) => isPrimitiveType(s.type)).length,
    };
    portCache.set(spec, p);
  }
  return p;
}

interface NodeCardProps {
  id: string;
  data: CanvasNode["data"];
  selected: boolean;
  /** The one-line footer: the parameter count in the designer, the step status on a run. */
  footer?: ReactNode;
  /** Ports a wire being dragged cannot connect to. */
  dimmed?: ReadonlySet<string>;
}

/**
 * A node's card. Its height depends only on its ports (the footer line is always there), so
 * the designer and the run page lay a graph out with the same geometry (canvas/nodeGeometry.ts).
 */
export function NodeCard({ id, data, selected, footer, dimmed }: NodeCardProps) {
  const doc = data.doc;
  const spec = useCanvasStore((s) => s.specs[doc.component]);
  const errors = useCanvasStore((s) => s.errorsByNode[id] ?? NO_ERRORS);
  const defaultCompute = useCanvasStore((s) => s.meta.settings?.default_compute);
  const [name, version] = splitComponentRef(doc.component);
  const ports = spec ? portsOf(spec) : null;
  const rows = ports ? Math.max(ports.inputs.length, ports.outputs.length) : 0;
  const badPorts = new Set(errors.map((e) => e.port).filter(Boolean));
  const setCount = Object.keys(doc.inputs).length;
  const title = doc.display_name || name;

  return (
    <div
      className={`cnode${selected ? " selected" : ""}${errors.length ? " has-errors" : ""}${spec ? "" : " unknown"}`}
      style={{ ["--cat" as string]: catColor(categoryOf(spec?.tags)) }}
      data-testid={`node-${id}`}
    >
      <div className="cnode-head">
        <div className="cnode-title" title={title}>
          {title}
        </div>
        <div className="cnode-sub">
          <span className="cnode-ref" title={doc.component}>
            {name}
          </span>
          <span className="cnode-ver">v{version}</span>
          <span className={`cnode-compute${doc.compute ? " explicit" : ""}`} title="Compute pool">
            {doc.compute ?? defaultCompute ?? "default"}
          </span>
        </div>
        {errors.length > 0 && (
          <span className="cnode-errbadge" title={errors.map((e) => e.message).join("\n")}>
            {errors.length}
          </span>
        )}
      </div>
      {ports && (
        <div className="cnode-ports">
          {Array.from({ length: rows }, (_, i) => {
            const inp = ports.inputs[i];
            const out = ports.outputs[i];
            return (
              <div className="cnode-row" key={i}>
                {inp ? (
                  <div
                    className={`cnode-port in${badPorts.has(inp.name) ? " bad" : ""}${dimmed?.has(`in:${inp.name}`) ? " dimmed" : ""}`}
                    title={`${inp.name}: ${inp.type}${inp.optional ? " (optional)" : ""}`}
                  >
                    <Handle
                      type="target"
                      position={Position.Left}
                      id={inp.name}
                      className={`chandle${inp.optional ? " optional" : ""}`}
                      style={{ ["--type" as string]: typeColor(inp.type) }}
                      data-testid={`handle-${id}-in-${inp.name}`}
                    />
                    <span className="cnode-label">
                      {inp.name}
                      {inp.optional && <i className="opt">?</i>}
                    </span>
                  </div>
                ) : (
                  <span />
                )}
                {out ? (
                  <div
                    className={`cnode-port out${badPorts.has(out.name) ? " bad" : ""}${dimmed?.has(`out:${out.name}`) ? " dimmed" : ""}`}
                    title={`${out.name}: ${out.type}`}
                  >
                    <span className="cnode-label">{out.name}</span>
                    <Handle
                      type="source"
                      position={Position.Right}
                      id={out.name}
                      className="chandle"
                      style={{ ["--type" as string]: typeColor(out.type) }}
                      data-testid={`handle-${id}-out-${out.name}`}
                    />
                  </div>
                ) : (
                  <span />
                )}
              </div>
            );
          })}
        </div>
      )}
      <div className="cnode-foot">
        {footer ??
          (!ports
            ? "Component spec unavailable (not in the registry)"
            : ports.params
              ? `${ports.params} parameter${ports.params === 1 ? "" : "s"}${setCount ? ` · ${setCount} set` : ""}`
              : "No parameters")}
      </div>
    </div>
  );
}

const CATEGORY_COLORS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ec4899", "#8b5cf6", "#14b8a6", "#ef4444"];
function catColor(category: string): string {
  let h = 0;
  for (let i = 0; i < category.length; i++) h = (h * 31 + category.charCodeAt(i)) | 0;
  return CATEGORY_COLORS[Math.abs(h) % CATEGORY_COLORS.length] ?? "#6366f1";
}
