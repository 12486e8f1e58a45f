import type { ColumnStats, TableStats } from "../../../api/runs";

function num(v: number | string | boolean | undefined): string {
  if (v === undefined) return "—";
  return typeof v === "number" ? String(Number(v.toPrecision(5))) : String(v);
}

/** A small bar chart of a numeric column: one bar per bin, tallest bar full height. */
function Histogram({ counts, edges }: { counts: number[]; edges: number[] }) {
  const top = Math.max(1, ...counts);
  const w = 12;
  return (
    <svg className="stat-hist" width={counts.length * w} height={40} role="img" aria-label="histogram" data-testid="stat-histogram">
      {counts.map((c, i) => (
        <rect key={i} x={i * w + 1} y={40 - (c / top) * 38} width={w - 2} height={(c / top) * 38}>
          <title>{`${num(edges[i])} – ${num(edges[i + 1])}: ${c}`}</title>
        </rect>
      ))}
    </svg>
  );
}

function ColumnCard({ c }: { c: ColumnStats }) {
  return (
    <div className="stat-card" data-testid={`stat-${c.name}`}>
      <div className="stat-head">
        <strong>{c.name}</strong> <span className="dtype">{c.dtype}</span>
      </div>
      <dl className="stat-facts">
        <dt>Count</dt>
        <dd>{c.count}</dd>
        <dt>Missing</dt>
        <dd data-testid="stat-missing">{c.missing}</dd>
        <dt>Distinct</dt>
        <dd>{c.distinct}</dd>
        {c.min !== undefined && (
          <>
            <dt>Min</dt>
            <dd>{num(c.min)}</dd>
            <dt>Max</dt>
            <dd>{num(c.max)}</dd>
          </>
        )}
        {c.mean !== undefined && (
          <>
            <dt>Mean</dt>
            <dd data-testid="stat-mean">{num(c.mean)}</dd>
          </>
        )}
      </dl>
      {c.histogram && <Histogram counts={c.histogram.counts} edges={c.histogram.edges} />}
      {!c.histogram && c.top.length > 0 && (
        <ul className="stat-top">
          {c.top.map((t, i) => (
            <li key={i}>
              <code>{String(t.value)}</code> <span className="muted">{t.count}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Per-column statistics of a table output, computed by the server on a capped head sample. */
export function ColumnStatsView({ stats }: { stats: TableStats }) {
  return (
    <div className="stats" data-testid="column-stats">
      <div className="muted small">
        {stats.sampled ? `Statistics of the first ${stats.rows} rows (a sample).` : `Statistics of all ${stats.rows} rows.`}
      </div>
      <div className="stat-grid">
        {stats.columns.map((c) => (
          <ColumnCard key={c.name} c={c} />
        ))}
      </div>
    </div>
  );
}
