import { memo, useMemo } from "react";
import { useConnection } from "@xyflow/react";
import type { NodeProps } from "@xyflow/react";
import type { CanvasNode } from "../../../canvas/document";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { NodeCard, portsOf } from "../../../canvas/NodeCard";

/** "in:<port>" / "out:<port>" of node `id` that the wire from `drag` may not connect to. */
function dimmedPorts(id: string, drag: string): Set<string> {
  const [type, fromNode, fromPort] = drag.split("\u0000") as [string, string, string];
  const s = useCanvasStore.getState();
  const node = s.nodes.find((n) => n.id === id);
  const spec = node ? s.specs[node.data.doc.component] : undefined;
  const out = new Set<string>();
  if (!spec) return out;
  const { inputs, outputs } = portsOf(spec);
  for (const p of inputs) {
    const ok = type === "source" && s.checkConnection({ source: fromNode, sourceHandle: fromPort, target: id, targetHandle: p.name }).ok;
    if (!ok && !(type === "target" && fromNode === id && fromPort === p.name)) out.add(`in:${p.name}`);
  }
  for (const p of outputs) {
    const ok = type === "target" && s.checkConnection({ source: id, sourceHandle: p.name, target: fromNode, targetHandle: fromPort }).ok;
    if (!ok && !(type === "source" && fromNode === id && fromPort === p.name)) out.add(`out:${p.name}`);
  }
  return out;
}

function ComponentNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  // A string, so that nodes re-render when a drag starts or ends, not on every pointer move.
  const drag = useConnection((c) =>
    c.inProgress && c.fromHandle ? [c.fromHandle.type, c.fromHandle.nodeId, c.fromHandle.id ?? ""].join("\u0000") : null,
  );
  const dimmed = useMemo(() => (drag ? dimmedPorts(id, drag) : undefined), [drag, id]);
  return <NodeCard id={id} data={data} selected={selected} dimmed={dimmed} />;
}

export const ComponentNode = memo(ComponentNodeView);
