/**
 * The size and handle positions a component node will have once rendered, derived from its
 * spec and the node CSS (designer.css, ".cnode"). React Flow uses them for nodes it has not
 * measured yet, so that with onlyRenderVisibleElements a large graph renders only the nodes
 * on screen instead of mounting every node once to measure it. Measuring replaces them.
 */
import type { NodeHandle } from "@xyflow/react";
import { Position } from "@xyflow/react";
import { isPrimitiveType } from "../lib/connection";
import type { ComponentSpec } from "../lib/types";

export const NODE_WIDTH = 240;
const HEAD = 58; // .cnode-head: padding, title, sub line and border
const PORTS_PAD = 6; // .cnode-ports vertical padding
const ROW = 22; // .cnode-row min-height
const FOOT = 27; // .cnode-foot: always one line (parameters in the designer, status on a run)
const HANDLE = 11; // .chandle

export interface NodeGeometry {
  width: number;
  height: number;
  handles: NodeHandle[];
}

export function estimateNodeGeometry(spec: ComponentSpec): NodeGeometry {
  const inputs = Object.entries(spec.inputs ?? {});
  const ports = inputs.filter(([, p]) => !isPrimitiveType(p.type)).map(([name]) => name);
  const outputs = Object.keys(spec.outputs ?? {});
  const rows = Math.max(ports.length, outputs.length);
  const rowTop = (i: number) => HEAD + PORTS_PAD + i * ROW + (ROW - HANDLE) / 2;
  const handles: NodeHandle[] = [
    ...ports.map((id, i) => ({ id, type: "target" as const, position: Position.Left, x: -HANDLE / 2, y: rowTop(i), width: HANDLE, height: HANDLE })),
    ...outputs.map((id, i) => ({
      id,
      type: "source" as const,
      position: Position.Right,
      x: NODE_WIDTH - HANDLE / 2,
      y: rowTop(i),
      width: HANDLE,
      height: HANDLE,
    })),
  ];
  return { width: NODE_WIDTH, height: HEAD + 2 * PORTS_PAD + rows * ROW + FOOT, handles };
}
