import { describe, expect, it } from "vitest";
import { formatBytes as formatSize } from "../../../lib/format";
import { formatBytes } from "./time";

describe("one byte format on every page", () => {
  it("shows a run output's size in the same units as an upload", () => {
    expect(formatBytes(1536)).toBe(formatSize(1536));
    expect(formatBytes(5_000_000)).toBe("5 MB");
    expect(formatBytes(null)).toBe("—");
  });
});
