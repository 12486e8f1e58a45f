import { useCallback } from "react";
import { getViewportForBounds, useReactFlow, useStoreApi } from "@xyflow/react";
import type { Rect } from "@xyflow/react";
import type { CanvasEdge, CanvasNode } from "../../../canvas/document";

const PADDING = 0.2;
const EDGE_PX = 40;
/** Up to this many nodes, labels stay readable (13 px titles at 75% read as 10 px). */
export const SMALL_GRAPH = 40;
export const SMALL_GRAPH_MIN_ZOOM = 0.75;
const LARGE_GRAPH_MIN_ZOOM = 0.35;

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/**
 * The viewport showing `bounds` in a `width` x `height` pane: the whole graph centred when it
 * fits at `floor` or more; otherwise at `floor`, starting from its first (left, top) node, so
 * that the user pans on instead of squinting at shrunken labels. Pure.
 */
export function readableViewport(bounds: Rect, width: number, height: number, floor: number, maxZoom: number): Viewport {
  const fit = getViewportForBounds(bounds, width, height, Math.min(floor, maxZoom) / 100, maxZoom, PADDING);
  if (fit.zoom >= floor) return fit;
  const zoom = floor;
  const w = bounds.width * zoom;
  const h = bounds.height * zoom;
  const x = w + 2 * EDGE_PX <= width ? (width - w) / 2 - bounds.x * zoom : EDGE_PX - bounds.x * zoom;
  const y = h + 2 * EDGE_PX <= height ? (height - h) / 2 - bounds.y * zoom : EDGE_PX - bounds.y * zoom;
  return { x, y, zoom };
}

/**
 * Fit the graph in view, now, never below a readable zoom. React Flow's own fitView() waits
 * until every node has been measured, which never happens for the off-screen nodes of a large
 * graph (they are not mounted); this uses their estimated size instead.
 */
export function useFitAll(): (opts?: { duration?: number; minZoom?: number }) => boolean {
  const rf = useReactFlow<CanvasNode, CanvasEdge>();
  const store = useStoreApi<CanvasNode, CanvasEdge>();
  return useCallback(
    (opts = {}) => {
      const nodes = rf.getNodes();
      const { width, height, minZoom, maxZoom } = store.getState();
      if (!nodes.length || !width || !height) return false;
      const readable = nodes.length <= SMALL_GRAPH ? SMALL_GRAPH_MIN_ZOOM : LARGE_GRAPH_MIN_ZOOM;
      const floor = Math.max(minZoom, opts.minZoom ?? readable);
      const viewport = readableViewport(rf.getNodesBounds(nodes), width, height, floor, Math.min(1, maxZoom));
      void rf.setViewport(viewport, { duration: opts.duration });
      return true;
    },
    [rf, store],
  );
}
