import { useEffect } from "react";
import { useStore } from "@xyflow/react";
import type { ReactFlowState } from "@xyflow/react";

/** The performance mark bench/canvas_open.py reads: a loaded graph's first painted frame. */
export const CANVAS_READY_MARK = "conveyor:canvas-ready";

// Nodes handed over and measured (React Flow knows the pane size).
const ready = (s: ReactFlowState): boolean => s.nodes.length > 0 && s.width > 0;

/** Sets CANVAS_READY_MARK once per page, on the frame after the loaded graph was fitted. */
export function useCanvasReadyMark(fitted: boolean): void {
  const isReady = useStore(ready) && fitted;
  useEffect(() => {
    if (!isReady || performance.getEntriesByName(CANVAS_READY_MARK).length) return;
    let timer = 0;
    const frame = requestAnimationFrame(() => {
      timer = window.setTimeout(() => performance.mark(CANVAS_READY_MARK), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    };
  }, [isReady]);
}
