import { useCallback, useEffect, useState } from "react";
import type { DragEvent } from "react";
import { Background, BackgroundVariant, ControlButton, Controls, MiniMap, ReactFlow, useStore } from "@xyflow/react";
import type { Connection, Edge, FinalConnectionState, IsValidConnection, NodeTypes } from "@xyflow/react";
import { useCanvasStore } from "../store/canvasStore";
import { ComponentNode } from "./ComponentNode";
import { DND_MIME, useAddComponent } from "../hooks/useAddComponent";
import { useCanvasReadyMark } from "../hooks/useCanvasReadyMark";
import { useFitAll } from "../hooks/useFitAll";
import { Icon } from "./icons";
import { toast } from "../../../components/toastStore";
import { useThemeStore } from "../../../lib/theme";
import type { CanvasEdge, CanvasNode } from "../../../lib/document";

/** Defined once at module level so React Flow never re-creates node components. */
const nodeTypes: NodeTypes = { component: ComponentNode };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = null; // handled by useDesignerShortcuts as one undo step
const SNAP: [number, number] = [10, 10];
// A graph opens (and the fit buttons fit it) at a zoom where nodes are legible: centred when
// it fits, else from its first node at the readable floor, to pan from (useFitAll).

function toConnection(c: Connection | Edge): Connection {
  return { source: c.source, target: c.target, sourceHandle: c.sourceHandle ?? null, targetHandle: c.targetHandle ?? null };
}

function miniMapColor(n: CanvasNode): string {
  return n.selected ? "var(--accent)" : "var(--minimap-node)";
}

export function Canvas() {
  const nodes = useCanvasStore((s) => s.nodes);
  const edges = useCanvasStore((s) => s.edges);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const onNodesChange = useCanvasStore((s) => s.onNodesChange);
  const onEdgesChange = useCanvasStore((s) => s.onEdgesChange);
  const beginDrag = useCanvasStore((s) => s.beginDrag);
  const theme = useThemeStore((s) => s.theme);
  const add = useAddComponent();
  const fitAll = useFitAll();
  // Fit a loaded graph once; an empty canvas must not jump to the first dropped node.
  const [openCount] = useState(() => useCanvasStore.getState().nodes.length);
  const [fitted, setFitted] = useState(openCount === 0);
  const sized = useStore((st) => st.width > 0 && st.height > 0 && st.nodes.length > 0);
  useEffect(() => {
    if (!fitted && sized && fitAll()) setFitted(true);
  }, [fitted, sized, fitAll]);
  useCanvasReadyMark(fitted);

  const isValidConnection = useCallback<IsValidConnection>(
    (c) => useCanvasStore.getState().checkConnection(toConnection(c)).ok,
    [],
  );

  const onConnect = useCallback((c: Connection) => {
    const verdict = useCanvasStore.getState().connect(c);
    if (!verdict.ok) toast.error(verdict.reason);
  }, []);

  // A drop on a handle that isValidConnection refused: say why.
  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.toHandle || !state.fromHandle) return;
    const from = state.fromHandle;
    const to = state.toHandle;
    const c: Connection =
      from.type === "source"
        ? { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null }
        : { source: to.nodeId, sourceHandle: to.id ?? null, target: from.nodeId, targetHandle: from.id ?? null };
    if (from.type === to.type) {
      toast.error(from.type === "source" ? "Connect an output to an input, not to another output." : "Connect an output to an input.");
      return;
    }
    const verdict = useCanvasStore.getState().checkConnection(c);
    if (!verdict.ok) toast.error(verdict.reason);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(DND_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(DND_MIME);
      if (!raw) return;
      e.preventDefault();
      const { name, version } = JSON.parse(raw) as { name: string; version: string };
      void add(name, version, { x: e.clientX, y: e.clientY });
    },
    [add],
  );

  return (
    <div className="designer-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<CanvasNode, CanvasEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={beginDrag}
        onSelectionDragStart={beginDrag}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={DELETE_KEYS}
        multiSelectionKeyCode={["Meta", "Control", "Shift"]}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements
        snapToGrid
        snapGrid={SNAP}
        minZoom={0.05}
        maxZoom={2}
        colorMode={theme}
        proOptions={PRO_OPTIONS}
        defaultEdgeOptions={{ type: "default" }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <MiniMap<CanvasNode> pannable zoomable nodeColor={miniMapColor} nodeStrokeWidth={0} maskColor="var(--minimap-mask)" />
        <Controls showInteractive={false} showFitView={false}>
          <ControlButton onClick={() => fitAll({ duration: 300 })} title="Fit view" aria-label="Fit view" className="react-flow__controls-fitview">
            <Icon name="fit" size={12} />
          </ControlButton>
        </Controls>
      </ReactFlow>
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <div className="canvas-empty-card">
            <strong>Start your pipeline</strong>
            <span>Drag a component from the palette, or double-click one.</span>
          </div>
        </div>
      )}
    </div>
  );
}
