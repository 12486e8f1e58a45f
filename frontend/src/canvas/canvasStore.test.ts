import { beforeEach, describe, expect, it } from "vitest";
import { selectCanUndo, selectDirty, useCanvasStore } from "./canvasStore";
import { INLINE_DOCUMENTS } from "../lib/fixtures";
import type { ComponentSpec } from "../lib/types";

const spec = (name: string, inputs: ComponentSpec["inputs"], outputs: ComponentSpec["outputs"]): ComponentSpec => ({
  name,
  version: "1",
  display_name: name,
  description: "",
  tags: {},
  inputs,
  outputs,
});
const SPECS = [
  spec("load_data", {}, { output_data: { type: "uri_folder" } }),
  spec("train_model", { data: { type: "uri_folder" }, lr: { type: "number", default: 0.1 } }, { model_output: { type: "mlflow_model" } }),
  spec("read_file", { f: { type: "uri_file" } }, {}),
];
const store = () => useCanvasStore.getState();

beforeEach(() => {
  store().load(structuredClone(INLINE_DOCUMENTS["inline-empty"]!), { pipelineId: "1", version: 1 });
  store().setSpecs(SPECS);
});

describe("canvas store", () => {
  it("undoes and redoes 60 steps back to the exact same graph", () => {
    const states: string[] = [JSON.stringify(store().toDocument())];
    for (let i = 0; i < 60; i++) {
      store().addNode(SPECS[i % 2]!, { x: i * 10, y: i * 5 });
      states.push(JSON.stringify(store().toDocument()));
    }
    expect(store().nodes).toHaveLength(60);
    for (let i = 59; i >= 0; i--) {
      store().undo();
      expect(JSON.stringify(store().toDocument())).toBe(states[i]);
    }
    expect(selectCanUndo(store())).toBe(false);
    expect(selectDirty(store())).toBe(false);
    for (let i = 1; i <= 60; i++) {
      store().redo();
      expect(JSON.stringify(store().toDocument())).toBe(states[i]);
    }
    expect(selectDirty(store())).toBe(true);
  });

  it("coalesces edits to the same field into one undo step", () => {
    const id = store().addNode(SPECS[1]!, { x: 0, y: 0 })!;
    for (const v of [1, 12, 123]) store().updateNode(id, (d) => ({ ...d, inputs: { lr: { value: v } } }), `param:${id}:lr`);
    store().undo();
    expect(store().nodes[0]!.data.doc.inputs).toEqual({});
  });

  it("pastes with new ids and keeps only the edges inside the selection", () => {
    const a = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    const b = store().addNode(SPECS[1]!, { x: 300, y: 0 })!;
    const c = store().addNode(SPECS[1]!, { x: 300, y: 200 })!;
    expect(store().connect({ source: a, sourceHandle: "output_data", target: b, targetHandle: "data" }).ok).toBe(true);
    expect(store().connect({ source: a, sourceHandle: "output_data", target: c, targetHandle: "data" }).ok).toBe(true);
    store().updateNode(b, (d) => ({ ...d, compute: "gpu", inputs: { ...d.inputs, lr: { value: 0.5 } } }));
    // select a and b only
    useCanvasStore.setState((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: n.id !== c })) }));
    expect(store().copy()).toBe(2);
    expect(store().paste()).toBe(2);
    const { nodes, edges } = store();
    expect(nodes).toHaveLength(5);
    const pasted = nodes.slice(3);
    expect(pasted.map((n) => n.id)).toEqual(["load_data_2", "train_model_3"]);
    expect(pasted[1]!.data.doc.compute).toBe("gpu");
    expect(pasted[1]!.data.doc.inputs.lr).toEqual({ value: 0.5 });
    expect(pasted[1]!.data.doc.id).toBe("train_model_3");
    const newEdges = edges.slice(2);
    expect(newEdges).toHaveLength(1);
    expect(newEdges[0]).toMatchObject({ source: "load_data_2", target: "train_model_3", targetHandle: "data" });
    expect(pasted.every((n) => n.selected)).toBe(true);
  });

  it("refuses an incompatible connection and an input that is already taken", () => {
    const a = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    const b = store().addNode(SPECS[1]!, { x: 0, y: 0 })!;
    const r = store().addNode(SPECS[2]!, { x: 0, y: 0 })!;
    expect(store().connect({ source: a, sourceHandle: "output_data", target: r, targetHandle: "f" })).toMatchObject({
      ok: false,
      code: "incompatible_types",
    });
    expect(store().connect({ source: a, sourceHandle: "output_data", target: b, targetHandle: "data" }).ok).toBe(true);
    const a2 = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    expect(store().connect({ source: a2, sourceHandle: "output_data", target: b, targetHandle: "data" })).toMatchObject({
      ok: false,
      code: "input_taken",
    });
    expect(store().edges).toHaveLength(1);
  });

  it("promotes a parameter to a pipeline input and binds it", () => {
    const b = store().addNode(SPECS[1]!, { x: 0, y: 0 })!;
    const name = store().promoteToPipelineInput(b, "lr");
    expect(name).toBe("lr");
    const doc = store().toDocument();
    expect(doc.inputs.lr).toMatchObject({ type: "number", default: 0.1 });
    expect(doc.nodes[0]!.inputs.lr).toEqual({ pipeline_input: "lr" });
    store().renamePipelineInput("lr", "learning_rate");
    expect(store().toDocument().nodes[0]!.inputs.lr).toEqual({ pipeline_input: "learning_rate" });
  });

  it("names a pasted node as a copy and places it clear of every node", () => {
    const a = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    store().addNode(SPECS[1]!, { x: 0, y: 140 });
    store().selectNode(a);
    store().copy();
    store().paste();
    const pasted = store().nodes[2]!;
    expect(pasted.id).toBe("load_data_2");
    expect(pasted.data.doc.display_name).toBe("load_data (copy)");
    const [first, second] = store().nodes;
    for (const other of [first!, second!]) {
      const apart = Math.abs(pasted.position.x - other.position.x) >= 240 || Math.abs(pasted.position.y - other.position.y) >= 100;
      expect(apart).toBe(true);
    }
  });

  it("adds a node twice at the same point without stacking them", () => {
    const a = store().addNode(SPECS[0]!, { x: 50, y: 50 })!;
    const b = store().addNode(SPECS[0]!, { x: 50, y: 50 })!;
    const [pa, pb] = [a, b].map((id) => store().nodes.find((n) => n.id === id)!.position);
    expect(pb!.y - pa!.y).toBeGreaterThanOrEqual(100);
  });

  it("selects every node and edge", () => {
    const a = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    const b = store().addNode(SPECS[1]!, { x: 300, y: 0 })!;
    store().connect({ source: a, sourceHandle: "output_data", target: b, targetHandle: "data" });
    store().selectNode(null);
    expect(store().selectAll()).toBe(2);
    expect(store().nodes.every((n) => n.selected)).toBe(true);
    expect(store().edges.every((e) => e.selected)).toBe(true);
  });

  it("drops a field's server error once the field changes, and keeps the others", () => {
    const b = store().addNode(SPECS[1]!, { x: 0, y: 0 })!;
    store().setValidation([
      { node: b, port: "lr", code: "out_of_range", message: "lr is too big" },
      { node: b, port: "data", code: "required", message: "data is not connected" },
    ]);
    store().updateNode(b, (d) => ({ ...d, inputs: { ...d.inputs, lr: { value: 0.2 } } }));
    expect(store().errorsByNode[b]!.map((e) => e.port)).toEqual(["data"]);
  });

  it("deletes the selection with its edges in one undo step", () => {
    const a = store().addNode(SPECS[0]!, { x: 0, y: 0 })!;
    const b = store().addNode(SPECS[1]!, { x: 0, y: 0 })!;
    store().connect({ source: a, sourceHandle: "output_data", target: b, targetHandle: "data" });
    store().selectNode(a);
    store().deleteSelected();
    expect(store().nodes.map((n) => n.id)).toEqual([b]);
    expect(store().edges).toHaveLength(0);
    store().undo();
    expect(store().nodes).toHaveLength(2);
    expect(store().edges).toHaveLength(1);
  });
});
