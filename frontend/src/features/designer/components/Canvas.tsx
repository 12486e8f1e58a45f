import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { DragEvent, MouseEvent as ReactMouseEvent } from "react";
import { Background, BackgroundVariant, ControlButton, Controls, MiniMap, ReactFlow, useStore } from "@xyflow/react";
import type { Connection, Edge, EdgeChange, FinalConnectionState, IsValidConnection, NodeChange, NodeTypes } from "@xyflow/react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { ComponentNode } from "./ComponentNode";
import { PipelineInputNode } from "./PipelineInputNode";
import { isPinId, pipelineInputGraph } from "../lib/inputNodes";
import type { PinNode } from "../lib/inputNodes";
import { isPrimitiveType } from "../../../lib/connection";
import { DND_MIME, useAddComponent } from "../hooks/useAddComponent";
import { useCanvasReadyMark } from "../hooks/useCanvasReadyMark";
import { useFitAll } from "../hooks/useFitAll";
import { Icon } from "../../../components/icons";
import { toast } from "../../../components/toastStore";
import { useThemeStore } from "../../../lib/theme";
import type { CanvasEdge, CanvasNode } from "../../../canvas/document";
import { QuickAdd } from "./QuickAdd";
import { ShortcutSheet } from "./ShortcutSheet";
import { ContextMenu } from "./ContextMenu";
import type { MenuAction } from "./ContextMenu";
import type { WireEnd } from "../lib/quickAdd";

interface QuickAddAt {
  at: { x: number; y: number };
  from: WireEnd | null;
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

function pointOf(e: MouseEvent | TouchEvent): { x: number; y: number } {
  const p = "changedTouches" in e ? e.changedTouches[0] : e;
  return p ? { x: p.clientX, y: p.clientY } : { x: 0, y: 0 };
}

/** The port type at the end of a wire dropped on empty canvas, from the node's spec. */
function wireEnd(nodeId: string, port: string, handle: "source" | "target"): WireEnd | null {
  const s = useCanvasStore.getState();
  const node = s.nodes.find((n) => n.id === nodeId);
  const spec = node ? s.specs[node.data.doc.component] : undefined;
  const type = handle === "source" ? spec?.outputs[port]?.type : spec?.inputs[port]?.type;
  return type ? { node: nodeId, port, handle, type } : null;
}

/** Defined once at module level so React Flow never re-creates node components. */
const nodeTypes: NodeTypes = { component: ComponentNode, pipelineInput: PipelineInputNode };
type ShownNode = CanvasNode | PinNode;

/** What the canvas measured or moved of an input node (it is not in the store). */
interface PinView {
  position?: { x: number; y: number };
  measured?: { width: number; height: number };
  selected?: boolean;
}

function dataPortsOf(n: CanvasNode): ReadonlySet<string> {
  const spec = useCanvasStore.getState().specs[n.data.doc.component];
  return new Set(
    Object.entries(spec?.inputs ?? {})
      .filter(([, p]) => !isPrimitiveType(p.type))
      .map(([k]) => k),
  );
}
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

/** What the right-click menu offers: on a node (and the selection it is in), or on the canvas. */
function menuActions(
  menu: { at: { x: number; y: number }; node: string | null },
  readOnly: boolean,
  canvas: { quickAdd: () => void; fit: () => void; shortcuts: () => void },
): MenuAction[] {
  const s = useCanvasStore.getState();
  if (menu.node) {
    const count = s.nodes.filter((n) => n.selected).length;
    const what = count > 1 ? `${count} nodes` : "node";
    return [
      {
        label: `Duplicate ${what}`,
        hint: "Ctrl+C, Ctrl+V",
        disabled: readOnly,
        run: () => {
          s.copy();
          useCanvasStore.getState().paste();
        },
      },
      { label: `Copy ${what}`, hint: "Ctrl+C", run: () => s.copy() },
      { label: `Delete ${what}`, hint: "Del", danger: true, disabled: readOnly, run: () => useCanvasStore.getState().deleteSelected() },
    ];
  }
  return [
    { label: "Add a component here…", hint: "/", disabled: readOnly, run: canvas.quickAdd },
    { label: "Paste", hint: "Ctrl+V", disabled: readOnly || !s.clipboard, run: () => s.paste() },
    { label: "Select all", hint: "Ctrl+A", run: () => s.selectAll() },
    { label: "Fit view", run: canvas.fit },
    { label: "Keyboard shortcuts", hint: "?", run: canvas.shortcuts },
  ];
}

export function Canvas() {
  const nodes = useCanvasStore((s) => s.nodes);
  const edges = useCanvasStore((s) => s.edges);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const storeNodesChange = useCanvasStore((s) => s.onNodesChange);
  const storeEdgesChange = useCanvasStore((s) => s.onEdgesChange);
  const pipelineInputs = useCanvasStore((s) => s.meta.inputs);
  const specs = useCanvasStore((s) => s.specs);
  const [pinView, setPinView] = useState<Record<string, PinView>>({});
  // Pipeline inputs as nodes beside the graph: drawn, never saved (lib/inputNodes.ts).
  const pins = useMemo(() => {
    void specs; // the data ports come from the specs: redraw when they arrive
    return pipelineInputGraph(pipelineInputs ?? {}, nodes, dataPortsOf);
  }, [pipelineInputs, nodes, specs]);
  const shownNodes = useMemo<ShownNode[]>(() => [...nodes, ...pins.nodes.map((n) => ({ ...n, ...pinView[n.id] }))], [nodes, pins, pinView]);
  const shownEdges = useMemo<CanvasEdge[]>(() => [...edges, ...(pins.edges as CanvasEdge[])], [edges, pins]);
  const onNodesChange = useCallback(
    (changes: NodeChange<ShownNode>[]) => {
      const mine = changes.filter((c) => "id" in c && isPinId(c.id));
      const rest = changes.filter((c) => !("id" in c && isPinId(c.id))) as NodeChange<CanvasNode>[];
      if (rest.length) storeNodesChange(rest);
      if (!mine.length) return;
      setPinView((view) => {
        const next = { ...view };
        for (const c of mine) {
          if (c.type === "position" && c.position) next[c.id] = { ...next[c.id], position: c.position };
          else if (c.type === "dimensions" && c.dimensions) next[c.id] = { ...next[c.id], measured: c.dimensions };
          else if (c.type === "select") next[c.id] = { ...next[c.id], selected: c.selected };
        }
        return next;
      });
    },
    [storeNodesChange],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<CanvasEdge>[]) => {
      const rest = changes.filter((c) => !("id" in c && isPinId(c.id)));
      if (rest.length) storeEdgesChange(rest);
    },
    [storeEdgesChange],
  );
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
  const [quick, setQuick] = useState<QuickAddAt | null>(null);
  const [sheet, setSheet] = useState(false);
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const closeQuick = useCallback(() => setQuick(null), []);
  const [menu, setMenu] = useState<{ at: { x: number; y: number }; node: string | null } | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const onNodeContextMenu = useCallback((e: ReactMouseEvent, n: ShownNode) => {
    e.preventDefault();
    if (isPinId(n.id)) return;
    if (!n.selected) useCanvasStore.getState().selectNode(n.id);
    setMenu({ at: { x: e.clientX, y: e.clientY }, node: n.id });
  }, []);
  const onPaneContextMenu = useCallback((e: ReactMouseEvent | MouseEvent) => {
    e.preventDefault();
    setMenu({ at: { x: e.clientX, y: e.clientY }, node: null });
  }, []);

  // "/" opens the quick add at the pointer (or the canvas centre), "?" the shortcut sheet.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector("dialog[open]")) return;
      if (e.key === "?") {
        e.preventDefault();
        setSheet((v) => !v);
      } else if (e.key === "/" && !useCanvasStore.getState().readOnly) {
        e.preventDefault();
        const rect = document.querySelector(".designer-canvas")?.getBoundingClientRect();
        const centre = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 3 } : { x: 400, y: 300 };
        setQuick({ at: pointer.current ?? centre, from: null });
      } else if (e.key === "Escape") {
        setSheet(false);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const onPaneDoubleClick = useCallback((e: ReactMouseEvent) => {
    const el = e.target as HTMLElement;
    if (!el.classList.contains("react-flow__pane") || useCanvasStore.getState().readOnly) return;
    setQuick({ at: { x: e.clientX, y: e.clientY }, from: null });
  }, []);

  const isValidConnection = useCallback<IsValidConnection>((c) => useCanvasStore.getState().checkConnection(toConnection(c)).ok, []);

  const onConnect = useCallback((c: Connection) => {
    const verdict = useCanvasStore.getState().connect(c);
    if (!verdict.ok) toast.error(verdict.reason);
  }, []);

  // A drop on a handle that isValidConnection refused: say why.
  const onConnectEnd = useCallback((e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    // A wire dropped on empty canvas: offer the components it can go to.
    if (!state.toHandle && state.fromHandle && !useCanvasStore.getState().readOnly) {
      const from = wireEnd(state.fromHandle.nodeId, state.fromHandle.id ?? "", state.fromHandle.type);
      const at = pointOf(e);
      const under = document.elementFromPoint(at.x, at.y);
      const onCanvas = under?.closest(".designer-canvas") && !under.closest(".react-flow__node, .react-flow__panel");
      if (from && onCanvas) setQuick({ at, from });
      return;
    }
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
    <div
      className="designer-canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      onDoubleClick={onPaneDoubleClick}
      onMouseMove={(e) => (pointer.current = { x: e.clientX, y: e.clientY })}
      onMouseLeave={() => (pointer.current = null)}
    >
      <ReactFlow<ShownNode, CanvasEdge>
        nodes={shownNodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeContextMenu={onNodeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
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
        zoomOnDoubleClick={false}
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
            <span>Drag a component from the palette, or double-click one. Double-click here or press / to search.</span>
          </div>
        </div>
      )}
      {quick && <QuickAdd at={quick.at} from={quick.from} onClose={closeQuick} />}
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
      {menu && (
        <ContextMenu
          at={menu.at}
          onClose={closeMenu}
          testId={menu.node ? "node-menu" : "canvas-menu"}
          actions={menuActions(menu, readOnly, {
            quickAdd: () => setQuick({ at: menu.at, from: null }),
            fit: () => fitAll({ duration: 300 }),
            shortcuts: () => setSheet(true),
          })}
        />
      )}
    </div>
  );
}
