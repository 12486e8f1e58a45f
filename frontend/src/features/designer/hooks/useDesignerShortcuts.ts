import { useEffect } from "react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { toast } from "../../../components/toastStore";

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** Delete, undo/redo, select all, copy/paste and save on the keyboard (not while typing in a field). */
export function useDesignerShortcuts(onSave: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const s = useCanvasStore.getState();
      if (mod && e.key.toLowerCase() === "s") {
        e.preventDefault();
        onSave();
        return;
      }
      if (isTyping(e.target) || document.querySelector("dialog[open]")) return;
      const key = e.key.toLowerCase();
      if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        s.redo();
      } else if (mod && key === "a") {
        // The nodes, not the page's text.
        e.preventDefault();
        s.selectAll();
      } else if (mod && key === "c") {
        const n = s.copy();
        if (n) toast.info(`Copied ${n} node${n === 1 ? "" : "s"}`);
      } else if (mod && key === "v") {
        e.preventDefault();
        s.paste();
      } else if (!mod && (e.key === "Delete" || e.key === "Backspace")) {
        e.preventDefault();
        s.deleteSelected();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onSave]);
}
