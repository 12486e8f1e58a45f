import { useCallback } from "react";
import { useReactFlow } from "@xyflow/react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { fetchComponentVersion } from "../../../api/components";
import { toast } from "../../../components/toastStore";
import { errorMessage } from "../../../lib/api";

export const DND_MIME = "application/x-conveyor-component";
const NODE_W = 240;

/** Adds a component (by name and version) at a screen point, or at the canvas centre; resolves to the new node's id. */
export function useAddComponent() {
  const rf = useReactFlow();
  return useCallback(
    async (name: string, version: string, screen?: { x: number; y: number }): Promise<string | null> => {
      const store = useCanvasStore.getState();
      if (store.readOnly) {
        toast.info("This version is read-only. Restore it or go back to the latest to edit.");
        return null;
      }
      let spec = store.specs[`${name}@${version}`];
      if (!spec) {
        try {
          spec = await fetchComponentVersion(name, version);
          useCanvasStore.getState().setSpecs([spec]);
        } catch (e) {
          toast.error(`Cannot load ${name}@${version}: ${errorMessage(e)}`);
          return null;
        }
      }
      let point = screen;
      if (!point) {
        const rect = document.querySelector(".designer-canvas")?.getBoundingClientRect();
        point = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 400, y: 300 };
      }
      const p = rf.screenToFlowPosition(point);
      return useCanvasStore.getState().addNode(spec, { x: p.x - NODE_W / 2, y: p.y - 30 });
    },
    [rf],
  );
}
