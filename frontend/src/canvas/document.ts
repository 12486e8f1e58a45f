/**
 * Pure conversion between the canonical pipeline document and React Flow nodes/edges.
 * Every node and edge keeps its original document object, so keys the canvas does not
 * know about survive a load -> save round trip unchanged.
 */
import type { Edge, Node } from "@xyflow/react";
import type { DocumentMeta, PipelineDocument, PipelineEdge, PipelineNode } from "../lib/types";

export interface ComponentNodeData extends Record<string, unknown> {
  /** the node's document object; its id and position are refreshed from the canvas on save */
  doc: PipelineNode;
}
export type CanvasNode = Node<ComponentNodeData, "component">;

export interface CanvasEdgeData extends Record<string, unknown> {
  doc: PipelineEdge;
}
export type CanvasEdge = Edge<CanvasEdgeData>;

export interface CanvasGraph {
  meta: DocumentMeta;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

export function edgeId(e: PipelineEdge): string {
  return `${e.source}.${e.source_port}->${e.target}.${e.target_port}`;
}

export function toCanvasNode(doc: PipelineNode): CanvasNode {
  return {
    id: doc.id,
    type: "component",
    position: { x: doc.position?.x ?? 0, y: doc.position?.y ?? 0 },
    data: { doc },
  };
}

export function toCanvasEdge(doc: PipelineEdge): CanvasEdge {
  return {
    id: edgeId(doc),
    source: doc.source,
    sourceHandle: doc.source_port,
    target: doc.target,
    targetHandle: doc.target_port,
    data: { doc },
  };
}

export function documentToCanvas(doc: PipelineDocument): CanvasGraph {
  const { nodes, edges, ...meta } = doc;
  return {
    meta,
    nodes: (nodes ?? []).map(toCanvasNode),
    edges: (edges ?? []).map(toCanvasEdge),
  };
}

export function canvasNodeToDoc(n: CanvasNode): PipelineNode {
  const doc = n.data.doc;
  return { ...doc, id: n.id, position: { ...doc.position, x: n.position.x, y: n.position.y } };
}

export function canvasEdgeToDoc(e: CanvasEdge): PipelineEdge {
  const doc = e.data?.doc;
  return {
    ...(doc ?? {}),
    source: e.source,
    source_port: e.sourceHandle ?? "",
    target: e.target,
    target_port: e.targetHandle ?? "",
  };
}

export function canvasToDocument(meta: DocumentMeta, nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): PipelineDocument {
  return { ...meta, nodes: nodes.map(canvasNodeToDoc), edges: edges.map(canvasEdgeToDoc) };
}

export function emptyDocument(name = "untitled-pipeline", defaultCompute = "cpu"): PipelineDocument {
  return {
    schema_version: 1,
    name,
    description: "",
    inputs: {},
    outputs: {},
    settings: { default_compute: defaultCompute, continue_on_step_failure: false, force_rerun: false },
    nodes: [],
    edges: [],
  };
}
