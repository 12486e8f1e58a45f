/** Column chips under a column-name parameter: one click sets (or toggles, for a list) a column. */
import { useOutputColumns } from "../api/columns";
import type { ColumnInfo } from "../api/columns";
import { useDatasetDetail, useDatasetRows } from "../../../api/datasets";
import { hasColumn, toggleColumn } from "../lib/paramHints";

interface ColumnPickerProps {
  port: string;
  pipelineId: string | null;
  source: { node: string; port: string } | null;
  /** the uploaded dataset the table input gets from a pipeline input's default, if any */
  datasetRef?: string | null;
  multiple: boolean;
  value: string;
  disabled?: boolean;
  onPick: (value: string) => void;
}

export function ColumnPicker(props: ColumnPickerProps) {
  if (!props.source && props.datasetRef) return <DatasetColumnPicker {...props} datasetRef={props.datasetRef} />;
  return <UpstreamColumnPicker {...props} />;
}

/** Columns of an uploaded dataset, from its preview (GET /api/datasets/<id>/). */
function DatasetColumnPicker({ datasetRef, ...rest }: ColumnPickerProps & { datasetRef: string }) {
  const rows = useDatasetRows();
  const id = rows.data?.results.find((r) => r.reference === datasetRef)?.id ?? null;
  const detail = useDatasetDetail(id);
  const preview = detail.data?.preview;
  const columns = preview && preview.kind === "table" ? preview.columns : [];
  if (!columns.length)
    return (
      <div className="form-help column-hint">
        {rows.loading || detail.loading ? "Loading columns…" : "The dataset has no table to pick columns from; type them."}
      </div>
    );
  return <Chips {...rest} columns={columns} />;
}

function UpstreamColumnPicker({ port, pipelineId, source, multiple, value, disabled, onPick }: ColumnPickerProps) {
  const { data, loading } = useOutputColumns(pipelineId, source);
  if (!source) return <div className="form-help column-hint">Connect the table input to pick its columns.</div>;
  if (!pipelineId) return <div className="form-help column-hint">Save and run the pipeline to pick from its columns.</div>;
  if (loading && !data) return <div className="form-help column-hint">Loading columns…</div>;
  const columns = data?.columns ?? [];
  if (!columns.length) {
    return (
      <div className="form-help column-hint">
        Run <code>{source.node}</code> once to pick from its columns; typing works meanwhile.
      </div>
    );
  }
  return <Chips port={port} multiple={multiple} value={value} disabled={disabled} onPick={onPick} columns={columns} />;
}

function Chips({
  port,
  multiple,
  value,
  disabled,
  onPick,
  columns,
}: Pick<ColumnPickerProps, "port" | "multiple" | "value" | "disabled" | "onPick"> & { columns: ColumnInfo[] }) {
  return (
    <div className="chips column-chips" role="group" aria-label={`Columns for ${port}`} data-testid={`columns-${port}`}>
      {columns.map((c) => {
        const on = multiple ? hasColumn(value, c.name) : value === c.name;
        return (
          <button
            type="button"
            key={c.name}
            className={`chip${on ? " active" : ""}`}
            title={`${c.name} (${c.dtype})`}
            aria-pressed={on}
            disabled={disabled}
            onClick={() => onPick(multiple ? toggleColumn(value, c.name) : c.name)}
          >
            {c.name}
          </button>
        );
      })}
    </div>
  );
}
