import { useState } from "react";
import { Link } from "react-router-dom";
import { updateRunLabel } from "../../../api/runs";
import type { Run } from "../../../api/runs";
import { useRunStatusStore } from "../store/runStatusStore";
import { isTerminal } from "../store/runView";
import { useNow } from "../hooks/useNow";
import { formatDuration, span } from "../lib/time";
import { hidePath } from "../lib/labels";
import { errorMessage } from "../../../lib/api";
import { toast } from "../../../components/toastStore";

/** "team=fraud, stage=dev" <-> {team: "fraud", stage: "dev"} */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [k = "", ...rest] = part.split("=");
    if (k.trim()) out[k.trim()] = rest.join("=").trim();
  }
  return out;
}

function tagsText(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(", ");
}

function shown(v: unknown): string {
  const h = hidePath(v);
  if (h === null || h === undefined) return "—";
  return typeof h === "object" ? JSON.stringify(h) : String(h);
}

function LabelEditor({ run, onDone }: { run: Run; onDone: () => void }) {
  const [name, setName] = useState(run.name ?? "");
  const [description, setDescription] = useState(run.description ?? "");
  const [tags, setTags] = useState(tagsText(run.tags));
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    try {
      const label = await updateRunLabel(run.id, { name, description, tags: parseTags(tags) });
      useRunStatusStore.getState().setLabel(label);
      onDone();
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="label-editor" data-testid="label-editor">
      <label className="form-label">
        Name
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} data-testid="run-name-input" />
      </label>
      <label className="form-label">
        Description
        <textarea
          className="input"
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="run-description-input"
        />
      </label>
      <label className="form-label">
        Tags
        <input
          className="input"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
          placeholder="team=fraud, baseline"
          data-testid="run-tags-input"
        />
      </label>
      <div className="row-actions">
        <button className="btn btn-sm" onClick={onDone} disabled={busy}>
          Cancel
        </button>
        <button className="btn btn-sm btn-primary" onClick={() => void save()} disabled={busy} data-testid="btn-save-label">
          Save
        </button>
      </div>
    </div>
  );
}

function KeyValues({ values, testId }: { values: Record<string, unknown>; testId: string }) {
  const entries = Object.entries(values);
  if (!entries.length) return <span className="muted">None</span>;
  return (
    <table className="table compact kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>
              <code className="break">{shown(v)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a run is (name, description, tags) and what it was given and did, at a glance. */
export function RunSummary() {
  const run = useRunStatusStore((s) => s.run);
  const steps = useRunStatusStore((s) => s.steps);
  const [editing, setEditing] = useState(false);
  const now = useNow(run !== null && !isTerminal(run.status));
  if (!run) return null;
  const all = Object.values(steps);
  const reused = all.filter((s) => s.status === "Completed" && s.reused).length;
  const ran = all.filter((s) => s.started_at !== null && !s.reused).length;
  const tags = Object.entries(run.tags ?? {});
  return (
    <div className="card run-summary" data-testid="run-summary">
      <div className="summary-head">
        <div className="summary-title">
          <strong data-testid="run-name">{run.name || `Run ${run.id}`}</strong>
          {run.description && (
            <p className="muted" data-testid="run-description">
              {run.description}
            </p>
          )}
          {tags.length > 0 && (
            <div className="chips" data-testid="run-tags">
              {tags.map(([k, v]) => (
                <span key={k} className="chip">
                  {v ? `${k}: ${v}` : k}
                </span>
              ))}
            </div>
          )}
        </div>
        {!editing && (
          <button className="btn btn-sm" onClick={() => setEditing(true)} data-testid="btn-edit-label">
            Edit name, description, tags
          </button>
        )}
      </div>
      {editing && <LabelEditor run={run} onDone={() => setEditing(false)} />}
      <div className="summary-body">
        <dl className="summary-facts">
          <dt>Pipeline</dt>
          <dd>
            <Link to={`/pipelines/${run.pipeline}?version=${run.version}`} data-testid="summary-version-link">
              {run.pipeline_name} version {run.version}
            </Link>
          </dd>
          <dt>Submitted by</dt>
          <dd data-testid="summary-submitter">{run.user}</dd>
          <dt>Duration</dt>
          <dd data-testid="summary-duration">{formatDuration(span(run.started_at ?? run.created_at, run.ended_at, now))}</dd>
          <dt>Steps</dt>
          <dd data-testid="summary-steps">
            {ran} run · {reused} reused · {all.length} in all
          </dd>
        </dl>
        <dl className="summary-facts">
          <dt>Inputs</dt>
          <dd>
            <KeyValues values={run.inputs} testId="summary-inputs" />
          </dd>
          <dt>Settings</dt>
          <dd>
            <KeyValues values={run.settings} testId="summary-settings" />
          </dd>
        </dl>
      </div>
    </div>
  );
}
