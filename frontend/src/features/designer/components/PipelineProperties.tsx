import { useState } from "react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { uniqueName } from "../../../lib/nodeId";
import type { Meta, PipelineInput, Primitive } from "../../../lib/types";
import { isDataType } from "../../../lib/connection";
import { DatasetPathField } from "../../../components/DatasetPathField";
import { TypedInput, checkValue } from "../../../components/fields";
import { Icon } from "../../../components/icons";

function InputNameField({ name }: { name: string }) {
  const rename = useCanvasStore((s) => s.renamePipelineInput);
  const [text, setText] = useState(name);
  const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
  const commit = () => (valid && text !== name ? rename(name, text) : setText(name));
  return (
    <input
      className={valid ? undefined : "invalid"}
      value={text}
      aria-label="Input name"
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === "Enter" && commit()}
    />
  );
}

export function PipelineProperties({ meta }: { meta: Meta }) {
  const doc = useCanvasStore((s) => s.meta);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const updateMeta = useCanvasStore((s) => s.updateMeta);
  const removeInput = useCanvasStore((s) => s.removePipelineInput);
  const nodeCount = useCanvasStore((s) => s.nodes.length);
  const edgeCount = useCanvasStore((s) => s.edges.length);
  const pools = meta.compute_pools.includes(doc.settings.default_compute)
    ? meta.compute_pools
    : [...meta.compute_pools, doc.settings.default_compute];

  const setInput = (name: string, fn: (i: PipelineInput) => PipelineInput, key?: string) =>
    updateMeta((m) => ({ ...m, inputs: { ...m.inputs, [name]: fn(m.inputs[name] ?? { type: "string" }) } }), key);
  const addInput = () =>
    updateMeta((m) => {
      const name = uniqueName("input", new Set(Object.keys(m.inputs)));
      return { ...m, inputs: { ...m.inputs, [name]: { type: "string", optional: false, description: "" } } };
    });
  const setSetting = <K extends keyof typeof doc.settings>(k: K, v: (typeof doc.settings)[K]) =>
    updateMeta((m) => ({ ...m, settings: { ...m.settings, [k]: v } }));

  return (
    <div className="props">
      <div className="props-head">
        <div className="panel-title">Pipeline</div>
        <div className="muted small">
          {plural(nodeCount, "node")} · {plural(edgeCount, "edge")} · select a node to edit it
        </div>
      </div>
      <fieldset disabled={readOnly} className="props-body">
        <section className="props-section">
          <div className="form-row">
            <label className="form-label" htmlFor="pl-name">
              Name<span className="required">*</span>
            </label>
            <input
              id="pl-name"
              value={doc.name}
              data-testid="pipeline-name"
              onChange={(e) => updateMeta((m) => ({ ...m, name: e.target.value }), "pl-name")}
            />
          </div>
          <div className="form-row">
            <label className="form-label" htmlFor="pl-desc">
              Description
            </label>
            <textarea
              id="pl-desc"
              rows={3}
              value={doc.description}
              data-testid="pipeline-description"
              onChange={(e) => updateMeta((m) => ({ ...m, description: e.target.value }), "pl-desc")}
            />
          </div>
        </section>
        <section className="props-section">
          <div className="section-head">
            <h4>Pipeline inputs</h4>
            {!readOnly && (
              <button className="btn btn-sm" onClick={addInput} data-testid="btn-add-pipeline-input">
                <Icon name="plus" size={13} /> Add
              </button>
            )}
          </div>
          {Object.keys(doc.inputs).length === 0 && (
            <div className="muted small">None. Use the link button next to a node parameter to promote it.</div>
          )}
          {Object.entries(doc.inputs).map(([name, inp]) => {
            const err = checkValue({ type: inp.type }, inp.default ?? undefined);
            const setDefault = (v: Primitive | undefined) =>
              setInput(
                name,
                (i) => {
                  const next = { ...i };
                  if (v === undefined) delete next.default;
                  else next.default = v;
                  return next;
                },
                `pi-default:${name}`,
              );
            return (
              <div className="pinput" key={name} data-testid={`pipeline-input-${name}`}>
                <div className="pinput-row">
                  <InputNameField key={name} name={name} />
                  <select value={inp.type} aria-label="Type" onChange={(e) => setInput(name, (i) => ({ ...i, type: e.target.value }))}>
                    {(meta.input_types.includes(inp.type) ? meta.input_types : [...meta.input_types, inp.type]).map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                  {!readOnly && (
                    <button
                      className="icon-btn sm"
                      title="Remove input (unbinds nodes)"
                      aria-label={`Remove ${name}`}
                      onClick={() => removeInput(name)}
                    >
                      <Icon name="x" size={14} />
                    </button>
                  )}
                </div>
                <div className={`pinput-row${isDataType(inp.type) ? " is-data" : ""}`}>
                  <span className="muted small">default</span>
                  {isDataType(inp.type) ? (
                    <DatasetPathField
                      name={name}
                      value={inp.default ?? undefined}
                      placeholder="none"
                      invalid={!!err}
                      disabled={readOnly}
                      compact
                      dataType={inp.type}
                      onChange={setDefault}
                    />
                  ) : (
                    <TypedInput
                      type={inp.type}
                      value={inp.default ?? undefined}
                      placeholder="none"
                      invalid={!!err}
                      disabled={readOnly}
                      onChange={setDefault}
                    />
                  )}
                  <label className="check small" title="optional">
                    <input type="checkbox" checked={!!inp.optional} onChange={(e) => setInput(name, (i) => ({ ...i, optional: e.target.checked }))} />{" "}
                    optional
                  </label>
                </div>
                {err && <div className="form-field-error">{err}</div>}
              </div>
            );
          })}
        </section>
        {Object.keys(doc.outputs).length > 0 && (
          <section className="props-section">
            <h4>Pipeline outputs</h4>
            {Object.entries(doc.outputs).map(([name, o]) => (
              <div className="pinput-row" key={name}>
                <code>{name}</code>
                <span className="muted small">
                  ← {o.node}.{o.port}
                </span>
              </div>
            ))}
          </section>
        )}
        <section className="props-section">
          <h4>Settings</h4>
          <div className="form-row">
            <label className="form-label" htmlFor="pl-compute">
              Default compute
            </label>
            <select
              id="pl-compute"
              value={doc.settings.default_compute}
              data-testid="setting-default-compute"
              onChange={(e) => setSetting("default_compute", e.target.value)}
            >
              {pools.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </div>
          <label className="toggle form-row">
            <input
              type="checkbox"
              role="switch"
              checked={doc.settings.continue_on_step_failure}
              data-testid="setting-continue-on-step-failure"
              onChange={(e) => setSetting("continue_on_step_failure", e.target.checked)}
            />
            <span className="toggle-track" />
            <span>Continue on step failure</span>
          </label>
          <label className="toggle form-row">
            <input
              type="checkbox"
              role="switch"
              checked={doc.settings.force_rerun}
              data-testid="setting-force-rerun"
              onChange={(e) => setSetting("force_rerun", e.target.checked)}
            />
            <span className="toggle-track" />
            <span>Force rerun (ignore cache)</span>
          </label>
        </section>
      </fieldset>
    </div>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
