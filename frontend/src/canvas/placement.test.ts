import { describe, expect, it } from "vitest";
import { copyName, freeOffset, overlaps } from "./placement";

const box = (x: number, y: number) => ({ x, y, width: 240, height: 100 });

describe("placement", () => {
  it("keeps the start offset when nothing is in the way", () => {
    expect(freeOffset([box(0, 0)], [box(1000, 1000)], { x: 0, y: 0 }, { x: 0, y: 30 })).toEqual({ x: 0, y: 0 });
  });
  it("steps past every node in the way", () => {
    const others = [box(0, 0), box(0, 120)];
    const off = freeOffset([box(0, 0)], others, { x: 0, y: 0 }, { x: 0, y: 30 });
    expect(others.some((o) => overlaps({ ...box(0, 0), x: off.x, y: off.y }, o))).toBe(false);
    expect(off.y).toBeGreaterThan(0);
  });
  it("names copies apart from the original and from each other", () => {
    expect(copyName("Split Data", new Set(["Split Data"]))).toBe("Split Data (copy)");
    expect(copyName("Split Data (copy)", new Set(["Split Data", "Split Data (copy)"]))).toBe("Split Data (copy 2)");
  });
});
