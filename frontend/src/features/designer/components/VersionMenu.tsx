import { useEffect, useRef, useState } from "react";
import { listVersions } from "../../../api/pipelines";
import type { PipelineVersionSummary } from "../../../lib/types";
import { formatDate } from "../../../lib/format";
import { errorMessage } from "../../../lib/api";
import { Icon } from "../../../components/icons";

export function VersionMenu({ pipelineId, current, onOpen }: { pipelineId: string; current: number | null; onOpen: (n: number) => void }) {
  const [open, setOpen] = useState(false);
  const [versions, setVersions] = useState<PipelineVersionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const ctrl = new AbortController();
    listVersions(pipelineId, ctrl.signal).then(
      (v) => setVersions([...v].sort((a, b) => b.number - a.number)),
      (e: unknown) => !ctrl.signal.aborted && setError(errorMessage(e)),
    );
    const onDoc = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener("mousedown", onDoc);
    return () => {
      ctrl.abort();
      document.removeEventListener("mousedown", onDoc);
    };
  }, [open, pipelineId]);

  return (
    <div className="menu-wrap" ref={ref}>
      <button className="tb-btn" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="btn-versions" title="Versions">
        <Icon name="history" /> <span>v{current ?? "–"}</span>
      </button>
      {open && (
        <div className="menu" role="menu">
          {error && <div className="form-error pad">{error}</div>}
          {!versions && !error && <div className="muted pad">Loading…</div>}
          {versions?.map((v) => (
            <button
              key={v.number}
              role="menuitem"
              className={`menu-item${v.number === current ? " active" : ""}`}
              onClick={() => {
                setOpen(false);
                onOpen(v.number);
              }}
              data-testid={`version-${v.number}`}
            >
              <span className="menu-item-main">
                <strong>v{v.number}</strong> {v.message || <span className="muted">no message</span>}
              </span>
              <span className="muted small">
                {v.author} · {formatDate(v.created_at)}
                {v.is_valid ? "" : " · invalid"}
              </span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
