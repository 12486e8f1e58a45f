/** Copy/paste of a selection: new ids, positions offset, only edges inside the selection. */
import type { CanvasEdge, CanvasNode } from "./document";
import { toCanvasEdge } from "./document";
import { splitComponentRef } from "./types";
import { uniqueNodeId } from "./nodeId";

export interface Clipboard {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

export function copySelection(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[], selectedIds: ReadonlySet<string>): Clipboard {
  const picked = nodes.filter((n) => selectedIds.has(n.id));
  const internal = edges.filter((e) => selectedIds.has(e.source) && selectedIds.has(e.target));
  return { nodes: picked, edges: internal };
}

export function pasteClipboard(
  clip: Clipboard,
  takenIds: ReadonlySet<string>,
  offset: { x: number; y: number },
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const taken = new Set(takenIds);
  const idMap = new Map<string, string>();
  const nodes: CanvasNode[] = clip.nodes.map((n) => {
    const id = uniqueNodeId(splitComponentRef(n.data.doc.component)[0], taken);
    taken.add(id);
    idMap.set(n.id, id);
    const position = { x: n.position.x + offset.x, y: n.position.y + offset.y };
    return {
      id,
      type: "component",
      position,
      selected: true,
      data: { doc: { ...structuredClone(n.data.doc), id, position } },
    };
  });
  const edges: CanvasEdge[] = [];
  for (const e of clip.edges) {
    const source = idMap.get(e.source);
    const target = idMap.get(e.target);
    if (!source || !target) continue;
    edges.push(
      toCanvasEdge({
        source,
        source_port: e.sourceHandle ?? "",
        target,
        target_port: e.targetHandle ?? "",
      }),
    );
  }
  return { nodes, edges };
}
