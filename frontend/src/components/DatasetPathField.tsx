import { useCallback, useEffect, useRef, useState } from "react";
import type { Primitive } from "../lib/types";
import { formatBytes } from "../lib/format";
import { TypedInput } from "./fields";
import { Icon } from "./icons";
import { useDatasetUpload } from "../api/datasets";
import type { Dataset, UploadState } from "../api/datasets";
import { datasetNameOf, datastorePathOf } from "../lib/datasetPath";
import { DatastorePicker } from "./DatastorePicker";

interface DatasetPathFieldProps {
  /** the pipeline input's name: test ids `upload-<name>` and `upload-status-<name>` */
  name: string;
  value: Primitive | undefined;
  onChange: (v: Primitive | undefined) => void;
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  testId?: string;
  /** a narrow layout (the properties panel): the button shows its icon only */
  compact?: boolean;
  /** the input's type: a uri_file picks a file, a uri_folder a folder, others either */
  dataType?: string;
  onUploadingChange?: (uploading: boolean) => void;
}

/**
 * A data reference text box with "Upload file…" (fills it with the upload's reference) and
 * "Browse datastores…" (picks a file or folder of a granted datastore). Never a server path.
 */
export function DatasetPathField({
  name,
  value,
  onChange,
  placeholder,
  disabled,
  invalid,
  testId,
  compact,
  dataType,
  onUploadingChange,
}: DatasetPathFieldProps) {
  const box = useRef<HTMLDivElement>(null);
  const { state, start, cancel } = useDatasetUpload(useCallback((dataset: Dataset) => onChange(dataset.reference), [onChange]));
  const [browsing, setBrowsing] = useState(false);
  const shownPath = state.phase === "done" && value === state.dataset.reference ? value : null;
  useEffect(() => {
    if (!shownPath) return;
    // A reference is long and ends in the file name: show its end, not azureml://….
    // Two frames: the text box takes the new value in its own effect, and setting an input's
    // value resets its scroll position.
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => {
        const input = box.current?.querySelector("input");
        if (input) input.scrollLeft = input.scrollWidth;
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [shownPath]);
  const uploading = state.phase === "uploading";
  useEffect(() => onUploadingChange?.(uploading), [uploading, onUploadingChange]);

  return (
    <div className={`dataset-field${compact ? " is-compact" : ""}`}>
      <div className="dataset-field-row" ref={box}>
        <TypedInput
          type="string"
          value={value}
          placeholder={placeholder ?? "azureml://datastores/…, or upload a file"}
          disabled={disabled}
          invalid={invalid || state.phase === "error"}
          testId={testId}
          onChange={onChange}
        />
        <label className={`btn${compact ? " btn-sm" : ""} dataset-upload${disabled ? " is-disabled" : ""}`} title="Upload a file from this computer">
          <Icon name="upload" size={13} />
          <span className={compact ? "visually-hidden" : undefined}>Upload file…</span>
          <input
            type="file"
            className="visually-hidden"
            disabled={disabled}
            data-testid={`upload-${name}`}
            aria-label={`Upload a file for ${name}`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = ""; // picking the same file again still uploads it
              if (file) start(file);
            }}
          />
        </label>
        <button
          type="button"
          className={`btn${compact ? " btn-sm" : ""} dataset-browse`}
          disabled={disabled}
          data-testid={`browse-${name}`}
          title="Choose a file from a datastore"
          aria-expanded={browsing}
          onClick={() => setBrowsing((b) => !b)}
        >
          <Icon name="search" size={13} />
          <span className={compact ? "visually-hidden" : undefined}>Datastore…</span>
        </button>
      </div>
      {browsing && (
        <DatastorePicker
          name={name}
          want={dataType === "uri_file" ? "file" : dataType === "uri_folder" ? "dir" : "any"}
          onClose={() => setBrowsing(false)}
          onPick={(reference) => {
            onChange(reference);
            setBrowsing(false);
          }}
        />
      )}
      <UploadStatus name={name} state={state} value={value} onCancel={cancel} />
    </div>
  );
}

function UploadStatus({ name, state, value, onCancel }: { name: string; state: UploadState; value: Primitive | undefined; onCancel: () => void }) {
  const testId = `upload-status-${name}`;
  if (state.phase === "uploading") {
    const pct = state.total > 0 ? Math.min(100, Math.round((state.loaded / state.total) * 100)) : 0;
    return (
      <div className="dataset-status" data-testid={testId} data-phase="uploading" aria-live="polite">
        <progress max={100} value={pct} aria-label={`Uploading ${state.name}`} />
        <span className="dataset-status-text">
          Uploading <b>{state.name}</b> · {formatBytes(state.loaded)} of {formatBytes(state.total)}
        </span>
        <button type="button" className="link-btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    );
  }
  if (state.phase === "error") {
    return (
      <div className="dataset-status is-error" data-testid={testId} data-phase="error" role="alert">
        <span className="dataset-status-text">
          Could not upload <b>{state.name}</b>: {state.message}
        </span>
      </div>
    );
  }
  // The hint belongs to the path: once the user types another one, it goes.
  if (state.phase === "done" && value === state.dataset.reference) {
    return (
      <div className="dataset-status is-done" data-testid={testId} data-phase="done" aria-live="polite" title={state.dataset.reference}>
        <Icon name="check" size={13} />
        <span className="dataset-status-text">
          <b>{state.dataset.name}</b> · {formatBytes(state.dataset.size)} uploaded
        </span>
      </div>
    );
  }
  const stored = typeof value === "string" ? datasetNameOf(value) : null;
  if (stored) {
    return (
      <div className="dataset-status" data-testid={testId} data-phase="stored" title={String(value)}>
        <Icon name="file" size={13} />
        <span className="dataset-status-text">
          Uploaded dataset <b>{stored}</b>
        </span>
      </div>
    );
  }
  const inStore = typeof value === "string" ? datastorePathOf(value) : null;
  if (inStore) {
    return (
      <div className="dataset-status" data-testid={testId} data-phase="datastore" title={String(value)}>
        <Icon name="file" size={13} />
        <span className="dataset-status-text">
          Datastore <b>{inStore.datastore}</b> · {inStore.path}
        </span>
      </div>
    );
  }
  return null;
}
