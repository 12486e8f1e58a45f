/**
 * The one canvas store: document fields, nodes, edges, component specs, history and
 * validation results. No fetches or timers here: hooks and components do I/O.
 */
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import type { Connection, EdgeChange, NodeChange } from "@xyflow/react";
import { create } from "zustand";
import { checkConnection, DEFAULT_COMPATIBILITY, wouldCreateCycle } from "../lib/connection";
import type { CompatibilityTable, ConnectionCheck } from "../lib/connection";
import { canvasToDocument, documentToCanvas, emptyDocument, toCanvasEdge } from "./document";
import type { CanvasEdge, CanvasNode } from "./document";
import { copySelection, pasteClipboard } from "./clipboard";
import type { Clipboard } from "./clipboard";
import { uniqueName, uniqueNodeId } from "../lib/nodeId";
import { estimateNodeGeometry, NODE_WIDTH } from "./nodeGeometry";
import { freeOffset } from "./placement";
import type { Rect } from "./placement";
import { isBinding } from "../lib/types";
import type { ComponentSpec, DocumentMeta, PipelineDocument, PipelineInput, PipelineNode, ValidationError } from "../lib/types";

export const HISTORY_LIMIT = 100;

interface Snapshot {
  meta: DocumentMeta;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  rev: number;
}

export interface LoadOptions {
  pipelineId?: string | null;
  version?: number | null;
  readOnly?: boolean;
}

export interface CanvasState {
  pipelineId: string | null;
  version: number | null;
  readOnly: boolean;
  meta: DocumentMeta;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  specs: Record<string, ComponentSpec>;
  compatibility: CompatibilityTable;
  /** revision of the current graph; equal to savedRev when nothing changed since save */
  rev: number;
  savedRev: number;
  revSeq: number;
  past: Snapshot[];
  future: Snapshot[];
  lastCoalesce: string | null;
  clipboard: Clipboard | null;
  validation: ValidationError[] | null;
  errorsByNode: Record<string, ValidationError[]>;

  load(doc: PipelineDocument, opts?: LoadOptions): void;
  setSpecs(specs: ComponentSpec[]): void;
  setCompatibility(table: CompatibilityTable): void;
  toDocument(): PipelineDocument;
  markSaved(opts?: { pipelineId?: string; version?: number }): void;

  onNodesChange(changes: NodeChange<CanvasNode>[]): void;
  onEdgesChange(changes: EdgeChange<CanvasEdge>[]): void;
  beginDrag(): void;
  checkConnection(c: Connection): ConnectionCheck;
  connect(c: Connection): ConnectionCheck;
  addNode(spec: ComponentSpec, position: { x: number; y: number }): string | null;
  deleteSelected(): void;
  selectAll(): number;
  copy(): number;
  paste(): number;
  undo(): void;
  redo(): void;
  selectNode(id: string | null): void;
  applyPositions(positions: Map<string, { x: number; y: number }>): void;

  updateNode(id: string, fn: (doc: PipelineNode) => PipelineNode, coalesceKey?: string): void;
  updateMeta(fn: (meta: DocumentMeta) => DocumentMeta, coalesceKey?: string): void;
  promoteToPipelineInput(nodeId: string, port: string): string | null;
  renamePipelineInput(from: string, to: string): void;
  removePipelineInput(name: string): void;
  togglePipelineOutput(nodeId: string, port: string): void;
  setValidation(errors: ValidationError[] | null): void;
}

function groupErrors(errors: readonly ValidationError[] | null): Record<string, ValidationError[]> {
  const out: Record<string, ValidationError[]> = {};
  for (const e of errors ?? []) if (e.node) (out[e.node] ??= []).push(e);
  return out;
}

function mapBindings(nodes: CanvasNode[], fn: (name: string) => string | null): CanvasNode[] {
  return nodes.map((n) => {
    const inputs = n.data.doc.inputs;
    let changed = false;
    const next: PipelineNode["inputs"] = {};
    for (const [port, v] of Object.entries(inputs)) {
      if (isBinding(v)) {
        const to = fn(v.pipeline_input);
        if (to !== v.pipeline_input) {
          changed = true;
          if (to !== null) next[port] = { ...v, pipeline_input: to };
          continue;
        }
      }
      next[port] = v;
    }
    return changed ? { ...n, data: { doc: { ...n.data.doc, inputs: next } } } : n;
  });
}

/** A node's box on the canvas: measured, else estimated from its spec. */
function nodeRect(n: CanvasNode, specs: Record<string, ComponentSpec>): Rect {
  const spec = specs[n.data.doc.component];
  const est = spec ? estimateNodeGeometry(spec) : { width: NODE_WIDTH, height: 110 };
  return {
    x: n.position.x,
    y: n.position.y,
    width: n.measured?.width ?? n.initialWidth ?? est.width,
    height: n.measured?.height ?? n.initialHeight ?? est.height,
  };
}

/** Ports of a node whose value or binding changed. */
function changedPorts(before: PipelineNode, after: PipelineNode): Set<string> {
  const ports = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)]);
  return new Set([...ports].filter((p) => JSON.stringify(before.inputs[p]) !== JSON.stringify(after.inputs[p])));
}

/** Loaded nodes get their expected size and handles, so that off-screen ones need no mount. */
function withGeometry(nodes: CanvasNode[], specs: Record<string, ComponentSpec>): CanvasNode[] {
  return nodes.map((n) => {
    const spec = specs[n.data.doc.component];
    if (!spec) return n;
    const g = estimateNodeGeometry(spec);
    return { ...n, initialWidth: g.width, initialHeight: g.height, handles: g.handles };
  });
}

/** A measured node drops the estimate: React Flow would otherwise prefer it to the measurement. */
function dropEstimate(n: CanvasNode): CanvasNode {
  if (!n.handles) return n;
  const { handles: _handles, initialWidth: _w, initialHeight: _h, ...rest } = n;
  return rest;
}

const initial = documentToCanvas(emptyDocument());

export const useCanvasStore = create<CanvasState>()((set, get) => {
  /** Record the current graph in history, then apply a change that alters the document. */
  function commit(patch: Partial<Pick<CanvasState, "meta" | "nodes" | "edges">>, coalesceKey?: string): void {
    const s = get();
    if (s.readOnly) return;
    const coalesce = coalesceKey !== undefined && coalesceKey === s.lastCoalesce;
    const past = coalesce ? s.past : [...s.past, { meta: s.meta, nodes: s.nodes, edges: s.edges, rev: s.rev }].slice(-HISTORY_LIMIT);
    const revSeq = s.revSeq + 1;
    set({ ...patch, past, future: [], rev: revSeq, revSeq, lastCoalesce: coalesceKey ?? null });
  }

  function restore(from: "past" | "future"): void {
    const s = get();
    const stack = s[from];
    const snap = stack[stack.length - 1];
    if (!snap || s.readOnly) return;
    const current: Snapshot = { meta: s.meta, nodes: s.nodes, edges: s.edges, rev: s.rev };
    const other = from === "past" ? "future" : "past";
    set({
      meta: snap.meta,
      nodes: snap.nodes,
      edges: snap.edges,
      rev: snap.rev,
      [from]: stack.slice(0, -1),
      [other]: [...s[other], current].slice(-HISTORY_LIMIT),
      lastCoalesce: null,
    });
  }

  /** A fixed field loses its stale server error at once (the next validation may bring it back). */
  function dropErrors(node: string, ports: ReadonlySet<string>): void {
    const v = get().validation;
    if (!v || !ports.size) return;
    const left = v.filter((e) => !(e.node === node && e.port && ports.has(e.port)));
    if (left.length !== v.length) set({ validation: left, errorsByNode: groupErrors(left) });
  }

  function selectedIds(): Set<string> {
    return new Set(
      get()
        .nodes.filter((n) => n.selected)
        .map((n) => n.id),
    );
  }

  return {
    pipelineId: null,
    version: null,
    readOnly: false,
    meta: initial.meta,
    nodes: initial.nodes,
    edges: initial.edges,
    specs: {},
    compatibility: DEFAULT_COMPATIBILITY,
    rev: 0,
    savedRev: 0,
    revSeq: 0,
    past: [],
    future: [],
    lastCoalesce: null,
    clipboard: null,
    validation: null,
    errorsByNode: {},

    load(doc, opts = {}) {
      const g = documentToCanvas(doc);
      const revSeq = get().revSeq + 1;
      set({
        pipelineId: opts.pipelineId ?? null,
        version: opts.version ?? null,
        readOnly: opts.readOnly ?? false,
        meta: g.meta,
        nodes: withGeometry(g.nodes, get().specs),
        edges: g.edges,
        rev: revSeq,
        savedRev: revSeq,
        revSeq,
        past: [],
        future: [],
        lastCoalesce: null,
        validation: null,
        errorsByNode: {},
      });
    },

    setSpecs(specs) {
      if (!specs.length) return;
      const next = { ...get().specs };
      for (const sp of specs) next[`${sp.name}@${sp.version}`] = sp;
      set({ specs: next });
    },

    setCompatibility(table) {
      set({ compatibility: table });
    },

    toDocument() {
      const s = get();
      return canvasToDocument(s.meta, s.nodes, s.edges);
    },

    markSaved(opts = {}) {
      set((s) => ({
        savedRev: s.rev,
        pipelineId: opts.pipelineId ?? s.pipelineId,
        version: opts.version ?? s.version,
      }));
    },

    onNodesChange(changes) {
      // Deletions go through deleteSelected() so that they are one undo step.
      const kept = changes.filter((c) => c.type !== "remove" && c.type !== "add" && c.type !== "replace");
      if (!kept.length) return;
      const s = get();
      const moves = s.readOnly ? kept.filter((c) => c.type !== "position") : kept;
      if (!moves.length) return;
      let nodes = applyNodeChanges(moves, s.nodes);
      const measured = new Set(moves.flatMap((c) => (c.type === "dimensions" ? [c.id] : [])));
      if (measured.size) nodes = nodes.map((n) => (measured.has(n.id) ? dropEstimate(n) : n));
      set({ nodes });
    },

    onEdgesChange(changes) {
      const kept = changes.filter((c) => c.type === "select");
      if (kept.length) set({ edges: applyEdgeChanges(kept, get().edges) });
    },

    beginDrag() {
      commit({});
    },

    checkConnection(c) {
      const s = get();
      const source = s.nodes.find((n) => n.id === c.source);
      const target = s.nodes.find((n) => n.id === c.target);
      const sourcePort = c.sourceHandle ?? "";
      const targetPort = c.targetHandle ?? "";
      const sourceSpec = source ? s.specs[source.data.doc.component] : undefined;
      const targetSpec = target ? s.specs[target.data.doc.component] : undefined;
      const taken = s.edges.some((e) => e.target === c.target && e.targetHandle === targetPort) || isBinding(target?.data.doc.inputs[targetPort]);
      return checkConnection({
        sourceNode: c.source,
        sourcePort,
        sourceType: sourceSpec?.outputs[sourcePort]?.type,
        targetNode: c.target,
        targetPort,
        targetType: targetSpec?.inputs[targetPort]?.type,
        targetTaken: taken,
        createsCycle: wouldCreateCycle(s.edges, c.source, c.target),
        compatibility: s.compatibility,
      });
    },

    connect(c) {
      const verdict = get().checkConnection(c);
      if (!verdict.ok || get().readOnly) return verdict;
      const edge = toCanvasEdge({
        source: c.source,
        source_port: c.sourceHandle ?? "",
        target: c.target,
        target_port: c.targetHandle ?? "",
      });
      commit({ edges: [...get().edges, edge] });
      dropErrors(c.target, new Set([c.targetHandle ?? ""]));
      return verdict;
    },

    addNode(spec, position) {
      const s = get();
      if (s.readOnly) return null;
      const id = uniqueNodeId(spec.name, new Set(s.nodes.map((n) => n.id)));
      // A second add at the same point (double-click, Enter) goes below the first, not on it.
      const size = estimateNodeGeometry(spec);
      const others = s.nodes.map((n) => nodeRect(n, s.specs));
      const here = { x: Math.round(position.x), y: Math.round(position.y), ...size };
      const off = freeOffset([here], others, { x: 0, y: 0 }, { x: 0, y: 20 });
      const doc: PipelineNode = {
        id,
        component: `${spec.name}@${spec.version}`,
        display_name: spec.display_name || spec.name,
        position: { x: here.x + off.x, y: here.y + off.y },
        inputs: {},
        compute: null,
        settings: { timeout_seconds: null },
      };
      const nodes = s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
      nodes.push({ id, type: "component", position: doc.position, selected: true, data: { doc } });
      commit({ nodes, edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)) });
      return id;
    },

    deleteSelected() {
      const s = get();
      const ids = selectedIds();
      const edgesLeft = s.edges.filter((e) => !e.selected && !ids.has(e.source) && !ids.has(e.target));
      if (!ids.size && edgesLeft.length === s.edges.length) return;
      const outputs = Object.fromEntries(Object.entries(s.meta.outputs).filter(([, o]) => !ids.has(o.node)));
      const metaChanged = Object.keys(outputs).length !== Object.keys(s.meta.outputs).length;
      commit({
        nodes: s.nodes.filter((n) => !ids.has(n.id)),
        edges: edgesLeft,
        ...(metaChanged ? { meta: { ...s.meta, outputs } } : {}),
      });
    },

    selectAll() {
      const s = get();
      set({
        nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
        edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
      });
      return s.nodes.length;
    },

    copy() {
      const s = get();
      const clip = copySelection(s.nodes, s.edges, selectedIds());
      if (clip.nodes.length) set({ clipboard: clip });
      return clip.nodes.length;
    },

    paste() {
      const s = get();
      if (!s.clipboard || s.readOnly) return 0;
      // Below the copied nodes, then further down until nothing is in the way.
      const group = s.clipboard.nodes.map((n) => nodeRect(n, s.specs));
      const others = s.nodes.map((n) => nodeRect(n, s.specs));
      const offset = freeOffset(group, others, { x: 40, y: 40 }, { x: 0, y: 20 });
      const names = new Set(s.nodes.map((n) => n.data.doc.display_name));
      const pasted = pasteClipboard(s.clipboard, new Set(s.nodes.map((n) => n.id)), offset, names);
      commit({
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted.nodes],
        edges: [...s.edges, ...pasted.edges],
      });
      // A second paste lands a further step away.
      set({ clipboard: { nodes: pasted.nodes, edges: pasted.edges } });
      return pasted.nodes.length;
    },

    undo() {
      restore("past");
    },

    redo() {
      restore("future");
    },

    selectNode(id) {
      set((s) => ({
        nodes: s.nodes.map((n) => {
          const want = n.id === id;
          return !!n.selected === want ? n : { ...n, selected: want };
        }),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
    },

    applyPositions(positions) {
      commit({
        nodes: get().nodes.map((n) => {
          const p = positions.get(n.id);
          return p ? { ...n, position: p } : n;
        }),
      });
    },

    updateNode(id, fn, coalesceKey) {
      let changed = new Set<string>();
      const nodes = get().nodes.map((n) => {
        if (n.id !== id) return n;
        const doc = fn(n.data.doc);
        changed = changedPorts(n.data.doc, doc);
        return { ...n, data: { doc } };
      });
      commit({ nodes }, coalesceKey);
      dropErrors(id, changed);
    },

    updateMeta(fn, coalesceKey) {
      commit({ meta: fn(get().meta) }, coalesceKey);
    },

    promoteToPipelineInput(nodeId, port) {
      const s = get();
      const node = s.nodes.find((n) => n.id === nodeId);
      if (!node || s.readOnly) return null;
      const spec = s.specs[node.data.doc.component]?.inputs[port];
      const name = uniqueName(port, new Set(Object.keys(s.meta.inputs)));
      const current = node.data.doc.inputs[port];
      const value = current && "value" in current ? current.value : spec?.default;
      const input: PipelineInput = { type: spec?.type ?? "string" };
      if (value !== undefined && value !== null) input.default = value;
      input.optional = spec?.optional ?? false;
      input.description = spec?.description ?? "";
      const nodes = s.nodes.map((n) =>
        n.id === nodeId ? { ...n, data: { doc: { ...n.data.doc, inputs: { ...n.data.doc.inputs, [port]: { pipeline_input: name } } } } } : n,
      );
      commit({ meta: { ...s.meta, inputs: { ...s.meta.inputs, [name]: input } }, nodes });
      return name;
    },

    renamePipelineInput(from, to) {
      const s = get();
      if (from === to || !to || to in s.meta.inputs) return;
      const inputs = Object.fromEntries(Object.entries(s.meta.inputs).map(([k, v]) => [k === from ? to : k, v]));
      commit({ meta: { ...s.meta, inputs }, nodes: mapBindings(s.nodes, (n) => (n === from ? to : n)) });
    },

    removePipelineInput(name) {
      const s = get();
      const inputs = { ...s.meta.inputs };
      delete inputs[name];
      commit({ meta: { ...s.meta, inputs }, nodes: mapBindings(s.nodes, (n) => (n === name ? null : n)) });
    },

    togglePipelineOutput(nodeId, port) {
      const s = get();
      const existing = Object.entries(s.meta.outputs).find(([, o]) => o.node === nodeId && o.port === port);
      const outputs = { ...s.meta.outputs };
      if (existing) delete outputs[existing[0]];
      else outputs[uniqueName(port, new Set(Object.keys(outputs)))] = { node: nodeId, port };
      commit({ meta: { ...s.meta, outputs } });
    },

    setValidation(errors) {
      set({ validation: errors, errorsByNode: groupErrors(errors) });
    },
  };
});

export const selectDirty = (s: CanvasState): boolean => s.rev !== s.savedRev;
export const selectCanUndo = (s: CanvasState): boolean => s.past.length > 0 && !s.readOnly;
export const selectCanRedo = (s: CanvasState): boolean => s.future.length > 0 && !s.readOnly;
/** id of the single selected node, or null */
export const selectSelectedNodeId = (s: CanvasState): string | null => {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (n.selected) {
      if (found !== null) return null;
      found = n.id;
    }
  }
  return found;
};
export const selectSelectionCount = (s: CanvasState): number => {
  let c = 0;
  for (const n of s.nodes) if (n.selected) c++;
  for (const e of s.edges) if (e.selected) c++;
  return c;
};
