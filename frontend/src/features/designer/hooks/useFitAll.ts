import { useCallback } from "react";
import { getViewportForBounds, useReactFlow, useStoreApi } from "@xyflow/react";
import type { CanvasEdge, CanvasNode } from "../../../lib/document";

const PADDING = 0.2;

/**
 * Fit every node in view, now. React Flow's own fitView() waits until every node has been
 * measured, which never happens for the off-screen nodes of a large graph (they are not
 * mounted); this uses their estimated size instead.
 */
export function useFitAll(): (opts?: { duration?: number; minZoom?: number }) => void {
  const rf = useReactFlow<CanvasNode, CanvasEdge>();
  const store = useStoreApi<CanvasNode, CanvasEdge>();
  return useCallback(
    (opts = {}) => {
      const nodes = rf.getNodes();
      if (!nodes.length) return;
      const { width, height, minZoom, maxZoom } = store.getState();
      const floor = Math.max(minZoom, opts.minZoom ?? minZoom);
      const viewport = getViewportForBounds(rf.getNodesBounds(nodes), width, height, floor, Math.min(1, maxZoom), PADDING);
      void rf.setViewport(viewport, { duration: opts.duration });
    },
    [rf, store],
  );
}
