import { useMemo } from "react";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { isPrimitiveType } from "../../../lib/connection";
import { isBinding, isValue, splitComponentRef } from "../../../lib/types";
import type { InputPortSpec, PipelineNode, Primitive, ValidationError } from "../../../lib/types";
import { checkValue, showValue, TypedInput } from "../../../components/fields";
import { typeColor } from "../../../lib/format";
import { Icon } from "../../../components/icons";
import { Link } from "react-router-dom";
import { inputApplies, parseHints } from "../lib/paramHints";
import { LazyCodeEditor } from "./LazyCodeEditor";
import { ColumnPicker } from "./ColumnPicker";

const NO_ERRORS: ValidationError[] = [];

function TypePill({ type }: { type: string }) {
  return (
    <span className="type-pill" style={{ ["--type" as string]: typeColor(type) }}>
      {type}
    </span>
  );
}

export function NodeProperties({ id, computePools }: { id: string; computePools: string[] }) {
  const node = useCanvasStore((s) => s.nodes.find((n) => n.id === id));
  const spec = useCanvasStore((s) => (node ? s.specs[node.data.doc.component] : undefined));
  const errors = useCanvasStore((s) => s.errorsByNode[id] ?? NO_ERRORS);
  const edges = useCanvasStore((s) => s.edges);
  const outputs = useCanvasStore((s) => s.meta.outputs);
  const defaultCompute = useCanvasStore((s) => s.meta.settings.default_compute);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const updateNode = useCanvasStore((s) => s.updateNode);
  const promote = useCanvasStore((s) => s.promoteToPipelineInput);
  const toggleOutput = useCanvasStore((s) => s.togglePipelineOutput);
  const pipelineId = useCanvasStore((s) => s.pipelineId);
  const pipelineInputs = useCanvasStore((s) => s.meta.inputs);
  const hints = useMemo(() => parseHints(spec?.tags, spec?.inputs ?? {}), [spec]);

  const incoming = useMemo(() => {
    const m = new Map<string, string>();
    for (const e of edges) if (e.target === id && e.targetHandle) m.set(e.targetHandle, `${e.source}.${e.sourceHandle ?? ""}`);
    return m;
  }, [edges, id]);

  if (!node) return null;
  const doc = node.data.doc;
  const [name, version] = splitComponentRef(doc.component);
  const edit = (fn: (d: PipelineNode) => PipelineNode, key?: string) => updateNode(id, fn, key);
  const setInput = (port: string, v: Primitive | undefined) =>
    edit((d) => {
      const inputs = { ...d.inputs };
      if (v === undefined) delete inputs[port];
      else inputs[port] = { value: v };
      return { ...d, inputs };
    }, `param:${id}:${port}`);
  const unbind = (port: string) =>
    edit((d) => {
      const inputs = { ...d.inputs };
      delete inputs[port];
      return { ...d, inputs };
    });
  const serverError = (port: string) => errors.find((e) => e.port === port)?.message;
  const entries = Object.entries(spec?.inputs ?? {});
  const allParams = entries.filter(([, p]) => isPrimitiveType(p.type));
  // Parameters that do not apply to the current choice (conveyor.applies.*) step aside; they keep their value.
  const params = allParams.filter(([port]) => inputApplies(hints[port], spec?.inputs ?? {}, doc.inputs));
  const hiddenParams = allParams.length - params.length;
  const datasetRefOf = (port: string) => {
    const b = doc.inputs[port];
    const fallback = isBinding(b) ? pipelineInputs[b.pipeline_input]?.default : undefined;
    return typeof fallback === "string" && fallback.startsWith("azureml://datastores/uploads/") ? fallback : null;
  };
  const sourceOf = (port: string) => {
    const e = edges.find((x) => x.target === id && x.targetHandle === port);
    return e && e.sourceHandle ? { node: e.source, port: e.sourceHandle } : null;
  };
  const dataPorts = entries.filter(([, p]) => !isPrimitiveType(p.type));
  const pools = doc.compute && !computePools.includes(doc.compute) ? [...computePools, doc.compute] : computePools;

  const renderBinding = (port: string, b: string) => (
    <div className="binding">
      <Icon name="link" size={13} /> pipeline input <code>{b}</code>
      {!readOnly && (
        <button className="link-btn" onClick={() => unbind(port)}>
          unbind
        </button>
      )}
    </div>
  );

  const renderParam = ([port, p]: [string, InputPortSpec]) => {
    const cur = doc.inputs[port];
    const required = !p.optional && (p.default === undefined || p.default === null);
    const value = isValue(cur) ? cur.value : undefined;
    const error = serverError(port) ?? checkValue(p, value) ?? (required && !cur ? "Required" : null);
    return (
      <div className={`form-row${error ? " has-error" : ""}`} key={port}>
        <div className="form-label">
          <label title={p.description}>
            {port}
            {required && (
              <span className="required" title="required">
                *
              </span>
            )}
          </label>
          <TypePill type={p.type} />
        </div>
        {isBinding(cur) ? (
          renderBinding(port, cur.pipeline_input)
        ) : hints[port]?.editor ? (
          <LazyCodeEditor
            value={typeof value === "string" ? value : showValue(p.default ?? undefined)}
            label={`${port} (${hints[port]?.editor === "python" ? "Python" : "expression"})`}
            disabled={readOnly}
            invalid={!!error}
            testId={`code-${port}`}
            onChange={(text) => setInput(port, text)}
          />
        ) : (
          <div className="form-control-row">
            <TypedInput
              type={p.type}
              value={value}
              placeholder={p.default === undefined || p.default === null ? undefined : showValue(p.default)}
              enumValues={p.enum}
              min={p.min}
              max={p.max}
              disabled={readOnly}
              invalid={!!error}
              testId={`param-${port}`}
              onChange={(v) => setInput(port, v)}
            />
            {!readOnly && (
              <button className="icon-btn sm" title="Promote to pipeline input" onClick={() => promote(id, port)} data-testid={`promote-${port}`}>
                <Icon name="link" size={14} />
              </button>
            )}
          </div>
        )}
        {hints[port]?.columnsFrom && !isBinding(cur) && (
          <ColumnPicker
            port={port}
            pipelineId={pipelineId}
            source={sourceOf(hints[port]?.columnsFrom ?? "")}
            datasetRef={datasetRefOf(hints[port]?.columnsFrom ?? "")}
            multiple={!!hints[port]?.multipleColumns}
            value={typeof value === "string" ? value : ""}
            disabled={readOnly}
            onPick={(v) => setInput(port, v === "" ? undefined : v)}
          />
        )}
        {p.description && (
          <div className="form-help">
            {p.description}
            {p.min != null || p.max != null ? ` (${p.min ?? "−∞"} … ${p.max ?? "∞"})` : ""}
          </div>
        )}
        {error && <div className="form-field-error">{error}</div>}
      </div>
    );
  };

  return (
    <div className="props">
      <div className="props-head">
        <div className="panel-title">Node</div>
        <div className="props-node-title">{doc.display_name}</div>
        <div className="muted small">
          <code>{id}</code> · <Link to={`/components/${encodeURIComponent(name)}`}>{name}</Link> v{version}
        </div>
        {spec?.description && <p className="small muted">{spec.description}</p>}
      </div>
      <fieldset disabled={readOnly} className="props-body">
        <section className="props-section">
          <div className="form-row">
            <label className="form-label" htmlFor="node-display-name">
              Display name
            </label>
            <input
              id="node-display-name"
              value={doc.display_name}
              data-testid="node-display-name"
              onChange={(e) => edit((d) => ({ ...d, display_name: e.target.value }), `name:${id}`)}
            />
          </div>
          <div className="form-row">
            <label className="form-label" htmlFor="node-compute">
              Compute pool
            </label>
            <select
              id="node-compute"
              value={doc.compute ?? ""}
              data-testid="node-compute"
              onChange={(e) => edit((d) => ({ ...d, compute: e.target.value || null }))}
            >
              <option value="">Pipeline default ({defaultCompute})</option>
              {pools.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <div className="form-row">
            <label className="form-label" htmlFor="node-timeout">
              Timeout (seconds)
            </label>
            <input
              id="node-timeout"
              type="number"
              min={1}
              step={1}
              placeholder="none"
              value={doc.settings?.timeout_seconds ?? ""}
              onChange={(e) =>
                edit(
                  (d) => ({ ...d, settings: { ...d.settings, timeout_seconds: e.target.value === "" ? null : Number(e.target.value) } }),
                  `timeout:${id}`,
                )
              }
            />
          </div>
        </section>
        {!spec && <div className="muted pad">Component spec not loaded.</div>}
        {params.length > 0 && (
          <section className="props-section">
            <h4>Parameters</h4>
            {params.map(renderParam)}
            {hiddenParams > 0 && (
              <div className="form-help" data-testid="hidden-params">
                {hiddenParams} parameter{hiddenParams === 1 ? "" : "s"} not shown: they do not apply to the current choices.
              </div>
            )}
          </section>
        )}
        {dataPorts.length > 0 && (
          <section className="props-section">
            <h4>Inputs</h4>
            {dataPorts.map(([port, p]) => {
              const cur = doc.inputs[port];
              const from = incoming.get(port);
              const required = !p.optional;
              const error = serverError(port) ?? (required && !from && !cur ? "Not connected" : null);
              return (
                <div className={`form-row${error ? " has-error" : ""}`} key={port} data-testid={`param-${port}`}>
                  <div className="form-label">
                    <label>
                      {port}
                      {required && <span className="required">*</span>}
                    </label>
                    <TypePill type={p.type} />
                  </div>
                  {from ? (
                    <div className="binding">
                      <Icon name="link" size={13} /> from <code>{from}</code>
                    </div>
                  ) : isBinding(cur) ? (
                    renderBinding(port, cur.pipeline_input)
                  ) : (
                    <div className="form-control-row">
                      <span className="muted small">{p.optional ? "optional, not connected" : "not connected"}</span>
                      {!readOnly && (
                        <button className="btn btn-sm" onClick={() => promote(id, port)} data-testid={`promote-${port}`}>
                          Promote to pipeline input
                        </button>
                      )}
                    </div>
                  )}
                  {error && <div className="form-field-error">{error}</div>}
                </div>
              );
            })}
          </section>
        )}
        {spec && Object.keys(spec.outputs).length > 0 && (
          <section className="props-section">
            <h4>Outputs</h4>
            {Object.entries(spec.outputs).map(([port, p]) => {
              const exposed = Object.entries(outputs).find(([, o]) => o.node === id && o.port === port);
              return (
                <div className="form-row" key={port}>
                  <div className="form-label">
                    <label>{port}</label>
                    <TypePill type={p.type} />
                  </div>
                  <label className="toggle">
                    <input type="checkbox" role="switch" checked={!!exposed} onChange={() => toggleOutput(id, port)} />
                    <span className="toggle-track" />
                    <span className="small muted">
                      {exposed ? (
                        <>
                          pipeline output <code>{exposed[0]}</code>
                        </>
                      ) : (
                        "pipeline output"
                      )}
                    </span>
                  </label>
                </div>
              );
            })}
          </section>
        )}
      </fieldset>
    </div>
  );
}
