import { Background, BackgroundVariant, Controls, ReactFlow } from "@xyflow/react";
import type { NodeMouseHandler, NodeTypes } from "@xyflow/react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { useThemeStore } from "../../../lib/theme";
import type { CanvasEdge, CanvasNode } from "../../../canvas/document";
import { RunNode } from "./RunNode";

const nodeTypes: NodeTypes = { component: RunNode };
const PRO_OPTIONS = { hideAttribution: true };
const FIT = { padding: 0.2, maxZoom: 1 };

/** The run's pipeline on the designer canvas, read-only; clicking a node opens its panel. */
export function RunGraph({ onSelect }: { onSelect: (node: string) => void }) {
  const nodes = useCanvasStore((s) => s.nodes);
  const edges = useCanvasStore((s) => s.edges);
  const theme = useThemeStore((s) => s.theme);
  const onNodeClick: NodeMouseHandler<CanvasNode> = (_e, node) => onSelect(node.id);
  return (
    <div className="run-graph" data-testid="run-graph">
      <ReactFlow<CanvasNode, CanvasEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodeClick={onNodeClick}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        deleteKeyCode={null}
        fitView
        fitViewOptions={FIT}
        minZoom={0.05}
        maxZoom={2}
        colorMode={theme}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
