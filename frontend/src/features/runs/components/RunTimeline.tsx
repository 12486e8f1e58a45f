import { useRunStatusStore } from "../store/runStatusStore";
import { isTerminal, nodeStatus } from "../store/runView";
import type { StepView } from "../store/runView";
import { useNow } from "../hooks/useNow";
import { formatDuration, span, toMs } from "../lib/time";
import { statusLabel } from "../lib/labels";

function bounds(steps: StepView[], runStart: number | null, runEnd: number | null, now: number): [number, number] {
  const times = steps.flatMap((s) => [toMs(s.queued_at), toMs(s.started_at), toMs(s.ended_at)]).filter((t): t is number => t !== null);
  const start = Math.min(runStart ?? Infinity, ...times);
  const end = Math.max(runEnd ?? now, ...times);
  return Number.isFinite(start) ? [start, Math.max(end, start + 1000)] : [now, now + 1000];
}

/** A Gantt chart of the steps: queued time pale, running time in the status colour. */
export function RunTimeline({ onSelect }: { onSelect: (node: string) => void }) {
  const run = useRunStatusStore((s) => s.run);
  const stepsById = useRunStatusStore((s) => s.steps);
  const live = run !== null && !isTerminal(run.status);
  const now = useNow(live);
  const steps = Object.values(stepsById).sort(
    (a, b) => (toMs(a.started_at ?? a.queued_at) ?? Infinity) - (toMs(b.started_at ?? b.queued_at) ?? Infinity) || a.node.localeCompare(b.node),
  );
  const [t0, t1] = bounds(steps, toMs(run?.created_at), toMs(run?.ended_at), now);
  const pct = (t: number) => `${(((t - t0) / (t1 - t0)) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(((b - a) / (t1 - t0)) * 100, 0.4).toFixed(3)}%`;
  return (
    <div className="timeline" data-testid="run-timeline">
      <div className="timeline-axis muted">
        <span>0 s</span>
        <span>{formatDuration(t1 - t0)}</span>
      </div>
      {steps.map((s) => {
        const status = nodeStatus(s);
        const q = toMs(s.queued_at);
        const st = toMs(s.started_at);
        const en = toMs(s.ended_at) ?? (isTerminal(s.status) ? st : now);
        return (
          <button key={s.node} className="timeline-row" onClick={() => onSelect(s.node)} title={`${s.node}: ${statusLabel(status)}`}>
            <span className="timeline-label">{s.node}</span>
            <span className="timeline-track">
              {q !== null && <span className="timeline-bar queued" style={{ left: pct(q), width: width(q, st ?? en ?? now) }} />}
              {st !== null && en !== null && <span className={`timeline-bar run-bg-${status}`} style={{ left: pct(st), width: width(st, en) }} />}
            </span>
            <span className="timeline-dur muted">{st !== null ? formatDuration(span(s.started_at, s.ended_at, now)) : statusLabel(status)}</span>
          </button>
        );
      })}
    </div>
  );
}
