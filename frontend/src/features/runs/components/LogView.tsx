import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { ReactNode, RefObject, UIEvent } from "react";
import { useStepLog } from "../hooks/useStepLog";
import { logDownloadUrl } from "../../../api/runs";

const LINE_HEIGHT = 18;
const VIEW_HEIGHT = 380;
const OVERSCAN = 30;

const PAD_X = 16; // .log-line horizontal padding, both sides

/** Rows a line takes when wrapped at `cols` monospace characters (tabs shown as 4 spaces). */
function rowsOf(line: string, cols: number): number {
  return Math.max(1, Math.ceil(line.length / cols));
}

/** Top offset of every line, plus the total height at the end. */
function lineOffsets(lines: readonly string[], cols: number): Int32Array {
  const out = new Int32Array(lines.length + 1);
  for (let i = 0; i < lines.length; i++) out[i + 1] = (out[i] ?? 0) + rowsOf(lines[i] ?? "", cols) * LINE_HEIGHT;
  return out;
}

/** The last line whose top is at or above `y`. */
function lineAt(offsets: Int32Array, y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] ?? 0) <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** The line with each case-insensitive match of `q` marked. */
function highlight(line: string, q: string): ReactNode {
  if (!q) return line;
  const parts: ReactNode[] = [];
  const lower = line.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
    parts.push(
      line.slice(at, i),
      <mark key={i} className="log-match">
        {line.slice(i, i + q.length)}
      </mark>,
    );
    at = i + q.length;
  }
  parts.push(line.slice(at));
  return parts;
}

/** Characters per wrapped row in the log box: measured from its width and the font. */
function useColumns(box: RefObject<HTMLDivElement | null>, probe: RefObject<HTMLSpanElement | null>): number {
  const [cols, setCols] = useState(120);
  useLayoutEffect(() => {
    const el = box.current;
    const p = probe.current;
    if (!el || !p) return;
    const measure = () => {
      const charWidth = p.getBoundingClientRect().width / 100 || 7.2;
      setCols(Math.max(20, Math.floor((el.clientWidth - PAD_X) / charWidth)));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [box, probe]);
  return cols;
}

function lineClass(line: string): string {
  if (line.startsWith("[stderr] ")) return "log-line stderr";
  if (line.startsWith("[conveyor] ")) return "log-line conveyor";
  return "log-line";
}

/**
 * The live log tail. Only the visible lines are in the DOM (a log of several MB stays smooth);
 * long lines wrap (rows per line follow from the monospace width), search matches are marked;
 * it follows new lines until the user scrolls up, and earlier parts load when asked.
 */
export function LogView({ runId, node, attempt, tick }: { runId: string; node: string; attempt: number; tick: number }) {
  const log = useStepLog(runId, node, attempt, tick);
  const [query, setQuery] = useState("");
  const [follow, setFollow] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const probe = useRef<HTMLSpanElement>(null);
  const cols = useColumns(box, probe);
  const firstLine = useRef<string | undefined>(undefined);
  const prevCount = useRef(0);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return log.lines;
    return log.lines.filter((l) => l.toLowerCase().includes(q));
  }, [log.lines, query]);
  const display = useMemo(() => shown.map((l) => l.replace(/\t/g, "    ")), [shown]);
  const offsets = useMemo(() => lineOffsets(display, cols), [display, cols]);
  const needle = query.trim().toLowerCase();

  // Keep the view still when earlier lines are prepended; follow the end otherwise.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const prepended = !query && firstLine.current !== undefined && log.lines[0] !== firstLine.current && log.lines.length > prevCount.current;
    if (prepended && !follow) {
      const added = log.lines.indexOf(firstLine.current ?? "");
      if (added > 0) el.scrollTop += offsets[added] ?? added * LINE_HEIGHT;
    }
    firstLine.current = log.lines[0];
    prevCount.current = log.lines.length;
    if (follow) el.scrollTop = el.scrollHeight;
  }, [log.lines, shown, follow, query, offsets]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT;
    if (atEnd !== follow) setFollow(atEnd);
    if (el.scrollTop === 0 && log.start > 0 && !query) log.loadEarlier();
  };

  const first = Math.max(0, lineAt(offsets, scrollTop) - OVERSCAN);
  const last = Math.min(display.length, lineAt(offsets, scrollTop + VIEW_HEIGHT) + 1 + OVERSCAN);
  const slice = display.slice(first, last);

  return (
    <div className="log" data-testid="log-view">
      <div className="log-toolbar">
        <input className="search" placeholder="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="log-search" />
        {query && (
          <span className="muted">
            {shown.length} matching line{shown.length === 1 ? "" : "s"}
          </span>
        )}
        <span className="spacer" />
        {log.start > 0 && (
          <button className="btn btn-sm btn-ghost" onClick={log.loadEarlier} disabled={log.loadingEarlier}>
            {log.loadingEarlier ? "Loading…" : "Load earlier"}
          </button>
        )}
        {!follow && (
          <button className="btn btn-sm" onClick={() => setFollow(true)} data-testid="log-follow">
            Follow
          </button>
        )}
        <a className="btn btn-sm" href={logDownloadUrl(runId, node)} download>
          Download
        </a>
      </div>
      {log.error && <div className="form-error">{log.error}</div>}
      <div className="log-box" ref={box} onScroll={onScroll} style={{ height: VIEW_HEIGHT }}>
        <span ref={probe} className="log-probe" aria-hidden>
          {"0".repeat(100)}
        </span>
        <div style={{ height: offsets[display.length] ?? 0, position: "relative" }}>
          <div style={{ transform: `translateY(${offsets[first] ?? 0}px)` }}>
            {slice.map((line, i) => (
              <div key={first + i} className={lineClass(line)} style={{ height: rowsOf(line, cols) * LINE_HEIGHT }} data-testid="log-line">
                {line ? highlight(line, needle) : "\u00a0"}
              </div>
            ))}
          </div>
        </div>
        {shown.length === 0 && <div className="log-empty muted">{query ? "No line matches." : "No output yet."}</div>}
      </div>
    </div>
  );
}
