import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { UIEvent } from "react";
import { useStepLog } from "../hooks/useStepLog";
import { logDownloadUrl } from "../api/runs";

const LINE_HEIGHT = 18;
const VIEW_HEIGHT = 380;
const OVERSCAN = 30;

function lineClass(line: string): string {
  if (line.startsWith("[stderr] ")) return "log-line stderr";
  if (line.startsWith("[conveyor] ")) return "log-line conveyor";
  return "log-line";
}

/**
 * The live log tail. Only the visible lines are in the DOM (a log of several MB stays smooth);
 * it follows new lines until the user scrolls up, and earlier parts load when asked.
 */
export function LogView({ runId, node, attempt, tick }: { runId: string; node: string; attempt: number; tick: number }) {
  const log = useStepLog(runId, node, attempt, tick);
  const [query, setQuery] = useState("");
  const [follow, setFollow] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const firstLine = useRef<string | undefined>(undefined);
  const prevCount = useRef(0);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return log.lines;
    return log.lines.filter((l) => l.toLowerCase().includes(q));
  }, [log.lines, query]);

  // Keep the view still when earlier lines are prepended; follow the end otherwise.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const prepended = !query && firstLine.current !== undefined && log.lines[0] !== firstLine.current && log.lines.length > prevCount.current;
    if (prepended && !follow) {
      const added = log.lines.indexOf(firstLine.current ?? "");
      if (added > 0) el.scrollTop += added * LINE_HEIGHT;
    }
    firstLine.current = log.lines[0];
    prevCount.current = log.lines.length;
    if (follow) el.scrollTop = el.scrollHeight;
  }, [log.lines, shown, follow, query]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT;
    if (atEnd !== follow) setFollow(atEnd);
    if (el.scrollTop === 0 && log.start > 0 && !query) log.loadEarlier();
  };

  const first = Math.max(0, Math.floor(scrollTop / LINE_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((scrollTop + VIEW_HEIGHT) / LINE_HEIGHT) + OVERSCAN);
  const slice = shown.slice(first, last);

  return (
    <div className="log" data-testid="log-view">
      <div className="log-toolbar">
        <input className="search" placeholder="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="log-search" />
        {query && <span className="muted">{shown.length} matching line{shown.length === 1 ? "" : "s"}</span>}
        <span className="spacer" />
        {log.start > 0 && (
          <button className="btn btn-sm btn-ghost" onClick={log.loadEarlier} disabled={log.loadingEarlier}>
            {log.loadingEarlier ? "Loading…" : "Load earlier"}
          </button>
        )}
        {!follow && (
          <button className="btn btn-sm" onClick={() => setFollow(true)} data-testid="log-follow">Follow</button>
        )}
        <a className="btn btn-sm" href={logDownloadUrl(runId, node)} download>Download</a>
      </div>
      {log.error && <div className="form-error">{log.error}</div>}
      <div className="log-box" ref={box} onScroll={onScroll} style={{ height: VIEW_HEIGHT }}>
        <div style={{ height: shown.length * LINE_HEIGHT, position: "relative" }}>
          <div style={{ transform: `translateY(${first * LINE_HEIGHT}px)` }}>
            {slice.map((line, i) => (
              <div key={first + i} className={lineClass(line)} style={{ height: LINE_HEIGHT }} data-testid="log-line">
                {line || "\u00a0"}
              </div>
            ))}
          </div>
        </div>
        {shown.length === 0 && <div className="log-empty muted">{query ? "No line matches." : "No output yet."}</div>}
      </div>
    </div>
  );
}
