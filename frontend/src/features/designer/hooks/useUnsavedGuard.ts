import { useEffect } from "react";
import { useBlocker } from "react-router-dom";
import type { Blocker } from "react-router-dom";
import { selectDirty, useCanvasStore } from "../../../canvas/canvasStore";

/** Warns before a reload/close, and blocks in-app navigation while the canvas is unsaved. */
export function useUnsavedGuard(dirty: boolean): Blocker {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);
  // Read the store, not the rendered flag: a save followed at once by navigate() (a new
  // pipeline gets its URL) must not be blocked by the value of the previous render.
  return useBlocker(
    ({ currentLocation, nextLocation }) => selectDirty(useCanvasStore.getState()) && currentLocation.pathname !== nextLocation.pathname,
  );
}
