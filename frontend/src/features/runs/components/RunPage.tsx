import { useEffect } from "react";
import { Link, useParams } from "react-router-dom";
import { fetchRun } from "../api/runs";
import { useRunStatusStore } from "../store/runStatusStore";
import { errorMessage } from "../../../lib/api";
import { useState } from "react";

const FINAL = new Set(["Completed", "Failed", "Canceled"]);

/** Polls GET /api/runs/<id>/ every 2 s until the run is final (the live page replaces this). */
function useRunPolling(id: string): string | null {
  const setRun = useRunStatusStore((s) => s.setRun);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer = 0;
    let stopped = false;
    const ctrl = new AbortController();
    const tick = async () => {
      try {
        const run = await fetchRun(id, ctrl.signal);
        if (stopped) return;
        setRun(run);
        setError(null);
        if (FINAL.has(run.status)) return;
      } catch (e) {
        if (stopped) return;
        setError(errorMessage(e));
      }
      timer = window.setTimeout(tick, 2000);
    };
    void tick();
    return () => {
      stopped = true;
      ctrl.abort();
      window.clearTimeout(timer);
      setRun(null);
    };
  }, [id, setRun]);
  return error;
}

export function RunPage() {
  const { id = "" } = useParams();
  const error = useRunPolling(id);
  const run = useRunStatusStore((s) => s.run);
  return (
    <div className="page">
      <div className="crumbs"><Link to="/runs">Runs</Link> / {id}</div>
      <div className="page-header">
        <div>
          <h1>Run {id}</h1>
          {run && <span className={`status status-${run.status}`}>{run.status}</span>}
        </div>
      </div>
      {error && <div className="form-error">{error}</div>}
      {run?.steps && (
        <div className="card table-card">
          <table className="table">
            <thead><tr><th>Step</th><th>Status</th></tr></thead>
            <tbody>
              {run.steps.map((s) => (
                <tr key={s.node}><td><code>{s.node}</code></td><td><span className={`status status-${s.status}`}>{s.status}</span></td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <pre className="code">{run ? JSON.stringify(run, null, 2) : "Loading…"}</pre>
    </div>
  );
}

export function RunsPage() {
  return (
    <div className="page">
      <div className="page-header"><div><h1>Runs</h1><p className="muted">Submit a pipeline from the designer to start a run.</p></div></div>
      <div className="card empty">
        <p>The runs list arrives with the live-runs feature. Open a run from its link after submitting.</p>
        <Link className="btn btn-primary" to="/pipelines">Go to pipelines</Link>
      </div>
    </div>
  );
}
