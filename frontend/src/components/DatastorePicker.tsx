import { useState } from "react";
import { errorMessage } from "../lib/api";
import { formatBytes } from "../lib/format";
import { Icon } from "./icons";
import { useDatastoreFolder, useDatastores } from "../api/datastores";
import type { DatastoreEntry } from "../api/datastores";

interface DatastorePickerProps {
  /** the input's name: test ids `datastore-picker-<name>`, `datastore-entry-<name>-<path>` */
  name: string;
  /** "file" (uri_file), "dir" (uri_folder: "Use this folder") or "any" */
  want: "file" | "dir" | "any";
  onPick: (reference: string) => void;
  onClose: () => void;
}

/** Browse the datastores granted to the user and pick a file (or folder): its reference. */
export function DatastorePicker({ name, want, onPick, onClose }: DatastorePickerProps) {
  const stores = useDatastores(true);
  const [store, setStore] = useState<string | null>(null);
  const [path, setPath] = useState("");
  const folder = useDatastoreFolder(store, path);
  const open = (entry: DatastoreEntry) => {
    if (entry.kind === "dir" && store !== "uploads") setPath(entry.path);
    else onPick(entry.reference);
  };
  const crumbs = path ? path.split("/") : [];

  return (
    <div className="datastore-picker" data-testid={`datastore-picker-${name}`} role="group" aria-label={`Choose ${name} from a datastore`}>
      <div className="datastore-picker-head">
        <select
          aria-label="Datastore"
          data-testid={`datastore-select-${name}`}
          value={store ?? ""}
          onChange={(e) => {
            setStore(e.target.value || null);
            setPath("");
          }}
        >
          <option value="">{stores.loading ? "Loading datastores…" : "Choose a datastore"}</option>
          {(stores.data ?? []).map((d) => (
            <option key={d.name} value={d.name}>
              {d.name === "uploads" ? "uploads (your uploaded files)" : d.name}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-sm" onClick={onClose} aria-label="Close the datastore picker">
          <Icon name="x" size={13} />
        </button>
      </div>
      {stores.error ? (
        <div className="dataset-status is-error" role="alert">
          {errorMessage(stores.error)}
        </div>
      ) : null}
      {store !== null && (
        <>
          <div className="datastore-crumbs">
            <button type="button" className="link-btn" onClick={() => setPath("")}>
              {store}
            </button>
            {crumbs.map((part, i) => (
              <span key={i}>
                {" / "}
                <button type="button" className="link-btn" onClick={() => setPath(crumbs.slice(0, i + 1).join("/"))}>
                  {part}
                </button>
              </span>
            ))}
            {want !== "file" && path && store !== "uploads" && (
              <button
                type="button"
                className="btn btn-sm"
                data-testid={`datastore-use-folder-${name}`}
                onClick={() => onPick(`azureml://datastores/${store}/paths/${path}`)}
              >
                Use this folder
              </button>
            )}
          </div>
          {folder.error ? (
            <div className="dataset-status is-error" role="alert">
              {errorMessage(folder.error)}
            </div>
          ) : null}
          <ul className="datastore-entries">
            {(folder.data?.entries ?? []).map((entry) => (
              <li key={entry.path}>
                <button
                  type="button"
                  className="datastore-entry"
                  data-testid={`datastore-entry-${name}-${entry.path}`}
                  disabled={(want === "dir" && entry.kind === "file") || (want === "file" && entry.kind === "dir" && store === "uploads")}
                  onClick={() => open(entry)}
                >
                  <Icon name={entry.kind === "dir" ? "layout" : "file"} size={13} />
                  <span className="datastore-entry-name">{entry.name}</span>
                  {entry.kind === "file" && <span className="muted">{formatBytes(entry.size)}</span>}
                </button>
              </li>
            ))}
            {folder.data && folder.data.entries.length === 0 && <li className="muted">(empty)</li>}
          </ul>
        </>
      )}
    </div>
  );
}
