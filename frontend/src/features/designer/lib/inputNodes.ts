/**
 * Pipeline inputs drawn on the canvas: one small node per input, wired to the data inputs it
 * feeds. View only: they live beside the canvas store and never enter the saved document.
 */
import type { Edge, Node } from "@xyflow/react";
import type { CanvasNode } from "../../../canvas/document";
import type { PipelineInput } from "../../../lib/types";

export const PIN_PREFIX = "pin:";
export const PIN_WIDTH = 200;
const GAP_X = 90;
const STEP_Y = 120;

export interface PinNodeData extends Record<string, unknown> {
  name: string;
  input: PipelineInput;
  /** "node.port" of every parameter it sets (parameters have no handle to draw a wire to) */
  params: string[];
}
export type PinNode = Node<PinNodeData, "pipelineInput">;

export const isPinId = (id: string) => id.startsWith(PIN_PREFIX);

function isDataBinding(node: CanvasNode, port: string, dataPorts: (node: CanvasNode) => ReadonlySet<string>): boolean {
  return dataPorts(node).has(port);
}

/** The input nodes and their wires, placed left of the first node each one feeds. */
export function pipelineInputGraph(
  inputs: Record<string, PipelineInput>,
  nodes: readonly CanvasNode[],
  dataPorts: (node: CanvasNode) => ReadonlySet<string>,
): { nodes: PinNode[]; edges: Edge[] } {
  const pins: PinNode[] = [];
  const edges: Edge[] = [];
  const minX = nodes.length ? Math.min(...nodes.map((n) => n.position.x)) : 0;
  const minY = nodes.length ? Math.min(...nodes.map((n) => n.position.y)) : 0;
  const taken: { x: number; y: number }[] = [];
  let unbound = 0;
  for (const [name, input] of Object.entries(inputs)) {
    const id = `${PIN_PREFIX}${name}`;
    const params: string[] = [];
    const fed: CanvasNode[] = [];
    for (const n of nodes) {
      for (const [port, binding] of Object.entries(n.data.doc.inputs ?? {})) {
        if (!binding || !("pipeline_input" in binding) || binding.pipeline_input !== name) continue;
        if (isDataBinding(n, port, dataPorts)) {
          fed.push(n);
          edges.push({
            id: `${id}->${n.id}.${port}`,
            source: id,
            sourceHandle: "value",
            target: n.id,
            targetHandle: port,
            className: "pin-edge",
            selectable: false,
            deletable: false,
          });
        } else params.push(`${n.id}.${port}`);
      }
    }
    const first = fed[0] ?? nodes.find((n) => params.some((p) => p.startsWith(`${n.id}.`)));
    let position = first
      ? { x: first.position.x - PIN_WIDTH - GAP_X, y: first.position.y }
      : { x: minX - PIN_WIDTH - GAP_X, y: minY - STEP_Y * ++unbound };
    while (taken.some((p) => Math.abs(p.x - position.x) < PIN_WIDTH && Math.abs(p.y - position.y) < STEP_Y)) {
      position = { x: position.x, y: position.y + STEP_Y };
    }
    taken.push(position);
    pins.push({ id, type: "pipelineInput", position, data: { name, input, params }, connectable: false, deletable: false });
  }
  return { nodes: pins, edges };
}
