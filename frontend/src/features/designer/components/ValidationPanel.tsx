import { useReactFlow } from "@xyflow/react";
import { useCanvasStore } from "../../../canvas/canvasStore";

export function ValidationPanel({ onClose }: { onClose: () => void }) {
  const errors = useCanvasStore((s) => s.validation);
  const selectNode = useCanvasStore((s) => s.selectNode);
  const rf = useReactFlow();
  if (!errors || !errors.length) return null;
  const focus = (node: string | null) => {
    if (!node) return;
    selectNode(node);
    const n = rf.getInternalNode(node);
    if (n) {
      const w = n.measured.width ?? 240;
      const h = n.measured.height ?? 100;
      void rf.setCenter(n.internals.positionAbsolute.x + w / 2, n.internals.positionAbsolute.y + h / 2, {
        zoom: Math.max(rf.getZoom(), 0.8),
        duration: 300,
      });
    }
  };
  return (
    <div className="validation-panel" data-testid="validation-errors">
      <div className="validation-head">
        <strong>
          {errors.length} problem{errors.length === 1 ? "" : "s"}
        </strong>
        <button className="icon-btn sm" onClick={onClose} aria-label="Hide problems">
          ×
        </button>
      </div>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            <button className="validation-item" onClick={() => focus(e.node)} disabled={!e.node} data-testid="validation-error">
              <span className="validation-where">
                {e.node ?? "pipeline"}
                {e.port ? `.${e.port}` : ""}
              </span>
              <span className="validation-msg">{e.message}</span>
              <code className="validation-code">{e.code}</code>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
