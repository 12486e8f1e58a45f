import { describe, expect, it } from "vitest";
import { pipelineInputGraph } from "./inputNodes";
import { toCanvasNode } from "../../../canvas/document";
import type { PipelineNode } from "../../../lib/types";

const node = (id: string, x: number, inputs: PipelineNode["inputs"]) =>
  toCanvasNode({ id, component: "c@1", display_name: id, position: { x, y: 100 }, inputs, compute: null, settings: {} });

describe("pipeline inputs drawn on the canvas", () => {
  const nodes = [
    node("load", 0, { source: { pipeline_input: "raw" } }),
    node("train", 400, { data: { pipeline_input: "raw" }, algorithm: { pipeline_input: "algo" } }),
  ];
  const dataPorts = (n: (typeof nodes)[number]) => new Set(n.id === "load" ? ["source"] : ["data"]);
  const graph = pipelineInputGraph(
    { raw: { type: "uri_file", default: "azureml://x" }, algo: { type: "string" }, spare: { type: "integer" } },
    nodes,
    dataPorts,
  );

  it("wires a data input to each data port it feeds, and lists the parameters it sets", () => {
    expect(graph.edges.map((e) => [e.source, e.target, e.targetHandle])).toEqual([
      ["pin:raw", "load", "source"],
      ["pin:raw", "train", "data"],
    ]);
    expect(graph.nodes.map((n) => [n.id, n.data.params])).toEqual([
      ["pin:raw", []],
      ["pin:algo", ["train.algorithm"]],
      ["pin:spare", []],
    ]);
  });

  it("places each left of the first node it feeds, never on top of another", () => {
    const [raw, algo, spare] = graph.nodes;
    expect(raw?.position.x).toBeLessThan(0);
    expect(algo?.position.x).toBeLessThan(400);
    expect(spare?.position.y).toBeLessThan(100);
    const spots = graph.nodes.map((n) => `${n.position.x},${n.position.y}`);
    expect(new Set(spots).size).toBe(spots.length);
  });

  it("adds nothing to the document's nodes", () => {
    expect(nodes.map((n) => n.id)).toEqual(["load", "train"]);
  });
});
