import { selectCanRedo, selectCanUndo, selectDirty, selectSelectionCount, useCanvasStore } from "../../../canvas/canvasStore";
import { layoutLeftToRight } from "../../../canvas/layout";
import { VersionMenu } from "./VersionMenu";
import { useFitAll } from "../hooks/useFitAll";
import { Icon } from "../../../components/icons";

interface Props {
  pipelineId: string | null;
  latestVersion: number | null;
  busy: boolean;
  onSave: () => void;
  onValidate: () => void;
  onSubmit: () => void;
  onClone: () => void;
  onOpenVersion: (n: number) => void;
}

export function DesignerToolbar({ pipelineId, latestVersion, busy, onSave, onValidate, onSubmit, onClone, onOpenVersion }: Props) {
  const name = useCanvasStore((s) => s.meta.name);
  const dirty = useCanvasStore(selectDirty);
  const canUndo = useCanvasStore(selectCanUndo);
  const canRedo = useCanvasStore(selectCanRedo);
  const selection = useCanvasStore(selectSelectionCount);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const version = useCanvasStore((s) => s.version);
  const fitAll = useFitAll();

  const layout = () => {
    const s = useCanvasStore.getState();
    const positions = layoutLeftToRight(
      s.nodes.map((n) => ({ id: n.id, width: n.measured?.width ?? 240, height: n.measured?.height ?? 110 })),
      s.edges,
    );
    s.applyPositions(positions);
    window.requestAnimationFrame(() => fitAll({ duration: 300 }));
  };

  return (
    <div className="designer-toolbar" role="toolbar">
      <div className="tb-title">
        <span className="tb-name" title={name}>
          {name || "untitled"}
        </span>
        {pipelineId ? <span className="badge">v{version ?? "–"}</span> : <span className="badge badge-soft">new</span>}
        {dirty && <span className="unsaved-dot" title="Unsaved changes" data-testid="unsaved-mark" />}
      </div>
      <div className="tb-group">
        <button
          className="tb-btn icon"
          onClick={() => useCanvasStore.getState().undo()}
          disabled={!canUndo}
          title="Undo (Ctrl+Z)"
          data-testid="btn-undo"
        >
          <Icon name="undo" />
        </button>
        <button
          className="tb-btn icon"
          onClick={() => useCanvasStore.getState().redo()}
          disabled={!canRedo}
          title="Redo (Ctrl+Shift+Z)"
          data-testid="btn-redo"
        >
          <Icon name="redo" />
        </button>
        <button
          className="tb-btn icon"
          onClick={() => useCanvasStore.getState().deleteSelected()}
          disabled={!selection || readOnly}
          title="Delete selection (Del)"
          data-testid="btn-delete"
        >
          <Icon name="trash" />
        </button>
      </div>
      <div className="tb-group">
        <button className="tb-btn" onClick={layout} disabled={readOnly} title="Auto-layout left to right" data-testid="btn-layout">
          <Icon name="layout" /> <span>Layout</span>
        </button>
        <button className="tb-btn icon" onClick={() => fitAll({ duration: 300 })} title="Fit view" data-testid="btn-fit">
          <Icon name="fit" />
        </button>
      </div>
      <div className="tb-spacer" />
      <div className="tb-group">
        <button className="tb-btn" onClick={onValidate} disabled={busy} title="Validate on the server" data-testid="btn-validate">
          <Icon name="check" /> <span>Validate</span>
        </button>
        {pipelineId && <VersionMenu pipelineId={pipelineId} current={version ?? latestVersion} onOpen={onOpenVersion} />}
        {pipelineId && (
          <button className="tb-btn" onClick={onClone} disabled={busy} title="Clone this pipeline" data-testid="btn-clone">
            <Icon name="copy" /> <span>Clone</span>
          </button>
        )}
      </div>
      <div className="tb-group">
        <button className="tb-btn primary" onClick={onSave} disabled={busy || readOnly} title="Save a new version (Ctrl+S)" data-testid="btn-save">
          <Icon name="save" /> <span>Save</span>
        </button>
        <button
          className="tb-btn accent"
          onClick={onSubmit}
          disabled={busy || !pipelineId || readOnly}
          title={dirty ? "Save a new version and submit it" : "Submit a run"}
          data-testid="btn-submit"
        >
          <Icon name="play" /> <span>Submit</span>
        </button>
      </div>
    </div>
  );
}
