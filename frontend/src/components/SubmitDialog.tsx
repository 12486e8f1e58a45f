import { useCallback, useState } from "react";
import type { ReactNode } from "react";
import { Dialog } from "./Dialog";
import type { PipelineInput, Primitive } from "../lib/types";
import { isDataType } from "../lib/connection";
import { DatasetPathField } from "./DatasetPathField";
import { TypedInput, checkValue } from "./fields";

export function SubmitDialog({
  inputs,
  version,
  busy,
  onSubmit,
  onClose,
  initial,
  note,
  saveFirst = false,
}: {
  inputs: Record<string, PipelineInput>;
  version: number | null;
  busy: boolean;
  /** `message`: the new version's message, when saveFirst */
  onSubmit: (values: Record<string, Primitive>, message?: string) => void;
  onClose: () => void;
  /** values to start from (a run's inputs), over the defaults */
  initial?: Record<string, unknown>;
  /** said above the inputs (what the run will reuse) */
  note?: ReactNode;
  /** the graph has unsaved edits: save them as a new version, then submit it */
  saveFirst?: boolean;
}) {
  const [values, setValues] = useState<Record<string, Primitive | undefined>>(() =>
    Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => {
        const given = initial?.[k];
        const start = given === undefined || (given !== null && typeof given === "object") ? v.default : (given as Primitive);
        return [k, start ?? undefined];
      }),
    ),
  );
  const [message, setMessage] = useState("");
  const problems = Object.entries(inputs).map(([k, spec]) => {
    const v = values[k];
    if ((v === undefined || v === "") && !spec.optional) return [k, "Required"] as const;
    return [k, checkValue(spec, v)] as const;
  });
  // Names of the inputs whose file is still uploading: submitting now would send the old value.
  const [uploading, setUploading] = useState<ReadonlySet<string>>(new Set());
  const trackUpload = useCallback(
    (name: string, busyNow: boolean) =>
      setUploading((s) => {
        if (s.has(name) === busyNow) return s;
        const next = new Set(s);
        if (busyNow) next.add(name);
        else next.delete(name);
        return next;
      }),
    [],
  );
  const ok = problems.every(([, p]) => !p) && uploading.size === 0;
  const submit = () => {
    if (!ok) return;
    const out: Record<string, Primitive> = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
    onSubmit(out, saveFirst ? message : undefined);
  };
  return (
    <Dialog
      title={saveFirst ? "Save a new version and submit it" : `Submit run of version ${version ?? "?"}`}
      onClose={onClose}
      testId="submit-dialog"
      width={480}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" disabled={!ok || busy} onClick={submit} data-testid="btn-submit-confirm">
            {busy ? "Submitting…" : uploading.size ? "Uploading…" : saveFirst ? "Save and submit" : "Submit run"}
          </button>
        </>
      }
    >
      {note && (
        <div className="submit-note" data-testid="submit-note">
          {note}
        </div>
      )}
      {saveFirst && (
        <div className="form-row">
          <div className="form-label">
            <label htmlFor="submit-save-message">Version message</label>
          </div>
          <input
            id="submit-save-message"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="What changed"
            data-testid="submit-save-message"
          />
          <div className="form-help">Your edits are saved as a new version (after version {version ?? "?"}), which then runs.</div>
        </div>
      )}
      {Object.keys(inputs).length === 0 && <p className="muted">This pipeline has no inputs.</p>}
      {Object.entries(inputs).map(([k, spec], i) => (
        <div className="form-row" key={k}>
          <div className="form-label">
            <label>
              {k}
              {!spec.optional && <span className="required">*</span>}
            </label>
            <span className="muted small">{spec.type}</span>
          </div>
          {isDataType(spec.type) ? (
            <DatasetPathField
              name={k}
              value={values[k]}
              testId={`run-input-${k}`}
              invalid={!!problems[i]?.[1]}
              dataType={spec.type}
              onChange={(v) => setValues((s) => ({ ...s, [k]: v }))}
              onUploadingChange={(b) => trackUpload(k, b)}
            />
          ) : (
            <TypedInput
              type={spec.type}
              value={values[k]}
              testId={`run-input-${k}`}
              invalid={!!problems[i]?.[1]}
              onChange={(v) => setValues((s) => ({ ...s, [k]: v }))}
            />
          )}
          {spec.description && <div className="form-help">{spec.description}</div>}
          {problems[i]?.[1] && <div className="form-field-error">{problems[i]?.[1]}</div>}
        </div>
      ))}
    </Dialog>
  );
}
