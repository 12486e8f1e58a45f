import { describe, expect, it } from "vitest";
import { upstreamOf } from "./graph";

describe("upstreamOf", () => {
  it("finds every ancestor once, and nothing downstream", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "d" },
      { source: "c", target: "d" },
      { source: "d", target: "e" },
      { source: "a", target: "c" },
    ];
    expect([...upstreamOf("d", edges)].sort()).toEqual(["a", "b", "c"]);
    expect(upstreamOf("a", edges).size).toBe(0);
  });
});
