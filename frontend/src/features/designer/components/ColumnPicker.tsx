/** Column chips under a column-name parameter: one click sets (or toggles, for a list) a column. */
import { useOutputColumns } from "../api/columns";
import { hasColumn, toggleColumn } from "../lib/paramHints";

interface ColumnPickerProps {
  port: string;
  pipelineId: string | null;
  source: { node: string; port: string } | null;
  multiple: boolean;
  value: string;
  disabled?: boolean;
  onPick: (value: string) => void;
}

export function ColumnPicker({ port, pipelineId, source, multiple, value, disabled, onPick }: ColumnPickerProps) {
  const { data, loading } = useOutputColumns(pipelineId, source);
  if (!source) return <div className="form-help column-hint">Connect the table input to pick its columns.</div>;
  if (!pipelineId) return <div className="form-help column-hint">Save and run the pipeline to pick from its columns.</div>;
  if (loading && !data) return <div className="form-help column-hint">Loading columns…</div>;
  const columns = data?.columns ?? [];
  if (!columns.length) {
    return <div className="form-help column-hint">Run <code>{source.node}</code> once to pick from its columns; typing works meanwhile.</div>;
  }
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
