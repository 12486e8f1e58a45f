/** The right-click menu of a node or of the canvas. */
import { useEffect, useRef } from "react";

export interface MenuAction {
  label: string;
  hint?: string;
  danger?: boolean;
  disabled?: boolean;
  run: () => void;
}

interface ContextMenuProps {
  at: { x: number; y: number };
  actions: MenuAction[];
  onClose: () => void;
  testId: string;
}

export function ContextMenu({ at, actions, onClose, testId }: ContextMenuProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("mousedown", onDown);
    window.addEventListener("keydown", onKey);
    box.current?.querySelector("button")?.focus();
    return () => {
      window.removeEventListener("mousedown", onDown);
      window.removeEventListener("keydown", onKey);
    };
  }, [onClose]);
  const left = Math.min(at.x, window.innerWidth - 230);
  const top = Math.min(at.y, window.innerHeight - 40 * actions.length - 16);
  return (
    <div ref={box} className="context-menu" style={{ left, top }} role="menu" data-testid={testId}>
      {actions.map((a) => (
        <button
          key={a.label}
          role="menuitem"
          className={`context-item${a.danger ? " danger" : ""}`}
          disabled={a.disabled}
          onClick={() => {
            onClose();
            a.run();
          }}
        >
          <span>{a.label}</span>
          {a.hint && <kbd>{a.hint}</kbd>}
        </button>
      ))}
    </div>
  );
}
