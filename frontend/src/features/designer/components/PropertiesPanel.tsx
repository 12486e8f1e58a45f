import { selectSelectedNodeId, selectSelectionCount, useCanvasStore } from "../../../canvas/canvasStore";
import { NodeProperties } from "./NodeProperties";
import { PipelineProperties } from "./PipelineProperties";
import { useMeta } from "../../../api/meta";

export function PropertiesPanel() {
  const selected = useCanvasStore(selectSelectedNodeId);
  const count = useCanvasStore(selectSelectionCount);
  const meta = useMeta();
  return (
    <aside className="properties" aria-label="Properties">
      {selected ? (
        <NodeProperties key={selected} id={selected} computePools={meta.compute_pools} />
      ) : count > 1 ? (
        <div className="props">
          <div className="props-head">
            <div className="panel-title">Selection</div>
            <div className="muted">{count} items selected. Delete, copy (Ctrl+C) or drag them together.</div>
          </div>
        </div>
      ) : (
        <PipelineProperties meta={meta} />
      )}
    </aside>
  );
}
