import { describe, expect, it } from "vitest";
import { NODE_ID_RE, uniqueNodeId } from "./nodeId";

describe("node ids", () => {
  it("derive from the component name and dedupe with _2, _3", () => {
    const taken = new Set(["train_model", "train_model_2"]);
    expect(uniqueNodeId("train_model", new Set())).toBe("train_model");
    expect(uniqueNodeId("train_model", taken)).toBe("train_model_3");
  });
  it("always match the server pattern", () => {
    for (const name of ["9lives", "a.b/c d", "x".repeat(200), "ok-name"]) {
      expect(uniqueNodeId(name, new Set())).toMatch(NODE_ID_RE);
    }
  });
});
