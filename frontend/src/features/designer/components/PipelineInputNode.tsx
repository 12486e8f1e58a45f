/** A pipeline input drawn on the canvas; a data input offers its upload right here. */
import { memo, useCallback } from "react";
import { Handle, Position } from "@xyflow/react";
import type { NodeProps } from "@xyflow/react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { DatasetPathField } from "../../../components/DatasetPathField";
import { isDataType } from "../../../lib/connection";
import { showValue } from "../../../components/fields";
import { typeColor } from "../../../lib/format";
import type { PinNode } from "../lib/inputNodes";
import type { Primitive } from "../../../lib/types";

function PipelineInputNodeView({ data }: NodeProps<PinNode>) {
  const { name, input, params } = data;
  const readOnly = useCanvasStore((s) => s.readOnly);
  const updateMeta = useCanvasStore((s) => s.updateMeta);
  const setDefault = useCallback(
    (v: Primitive | undefined) =>
      updateMeta((m) => {
        const current = m.inputs[name];
        if (!current) return m;
        const next = { ...current };
        if (v === undefined) delete next.default;
        else next.default = v;
        return { ...m, inputs: { ...m.inputs, [name]: next } };
      }, `pi-default:${name}`),
    [name, updateMeta],
  );
  return (
    <div className="pin-node" style={{ ["--type" as string]: typeColor(input.type) }} data-testid={`pin-${name}`}>
      <div className="pin-head">
        <span className="pin-kind">Pipeline input</span>
        <span className="pin-name" title={input.description || name}>
          {name}
        </span>
        <span className="type-pill" style={{ ["--type" as string]: typeColor(input.type) }}>
          {input.type}
        </span>
      </div>
      {isDataType(input.type) ? (
        <div className="nodrag nopan nowheel pin-field">
          <DatasetPathField
            name={`pin-${name}`}
            value={input.default ?? undefined}
            placeholder="no default"
            disabled={readOnly}
            compact
            dataType={input.type}
            onChange={setDefault}
          />
        </div>
      ) : (
        <div className="pin-value small">
          {input.default === undefined || input.default === null ? (
            <span className="muted">no default</span>
          ) : (
            <code>{showValue(input.default)}</code>
          )}
        </div>
      )}
      {params.length > 0 && (
        <div className="pin-params muted small" title={params.join(", ")}>
          sets {params.join(", ")}
        </div>
      )}
      <Handle
        type="source"
        position={Position.Right}
        id="value"
        isConnectable={false}
        className="chandle"
        style={{ ["--type" as string]: typeColor(input.type) }}
      />
    </div>
  );
}

export const PipelineInputNode = memo(PipelineInputNodeView);
