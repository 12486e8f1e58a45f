import { describe, expect, it } from "vitest";
import { compatiblePort, matchesQuery } from "./quickAdd";
import type { ComponentSpec } from "../../../lib/types";

const spec = (inputs: ComponentSpec["inputs"], outputs: ComponentSpec["outputs"]): ComponentSpec => ({
  name: "c",
  version: "1",
  display_name: "C",
  description: "",
  tags: {},
  inputs,
  outputs,
});

describe("quick add after a wire dropped on empty canvas", () => {
  const trainer = spec({ rows: { type: "integer" }, training_data: { type: "uri_folder" } }, { model: { type: "custom_model" } });
  const fileOnly = spec({ source: { type: "uri_file" } }, { table: { type: "uri_folder" } });

  it("offers the first data input the output may connect to, never a parameter", () => {
    const from = { node: "load", port: "table", handle: "source" as const, type: "uri_folder" };
    expect(compatiblePort(trainer, from)).toBe("training_data");
    expect(compatiblePort(fileOnly, from)).toBeNull();
  });

  it("from an input, offers a component with a compatible output", () => {
    const into = { node: "score", port: "model", handle: "target" as const, type: "custom_model" };
    expect(compatiblePort(trainer, into)).toBe("model");
    const intoFile = { node: "load", port: "source", handle: "target" as const, type: "uri_file" };
    expect(compatiblePort(fileOnly, intoFile)).toBeNull();
  });

  it("matches every word of the search", () => {
    expect(matchesQuery({ name: "train_classifier", display_name: "Train Classifier" }, "train class")).toBe(true);
    expect(matchesQuery({ name: "split_data" }, "train")).toBe(false);
  });
});
