/**
 * Copy/paste of a selection: new ids derived from the copied ids ("prep" -> "prep_2"), display
 * names marked as copies, positions offset, only edges inside the selection.
 */
import type { CanvasEdge, CanvasNode } from "./document";
import { toCanvasEdge } from "./document";
import { uniqueNodeId } from "../lib/nodeId";
import { copyName } from "./placement";

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
  takenNames: ReadonlySet<string> = new Set(),
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const taken = new Set(takenIds);
  const names = new Set(takenNames);
  const idMap = new Map<string, string>();
  const nodes: CanvasNode[] = clip.nodes.map((n) => {
    const id = uniqueNodeId(n.id.replace(/_\d+$/, ""), taken);
    taken.add(id);
    const display_name = copyName(n.data.doc.display_name || n.id, names);
    names.add(display_name);
    idMap.set(n.id, id);
    const position = { x: n.position.x + offset.x, y: n.position.y + offset.y };
    return {
      id,
      type: "component",
      position,
      selected: true,
      data: { doc: { ...structuredClone(n.data.doc), id, display_name, position } },
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
