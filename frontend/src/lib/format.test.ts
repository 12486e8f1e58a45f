import { describe, expect, it } from "vitest";
import { formatBytes } from "./format";

describe("formatBytes", () => {
  it("reads like a file manager", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1000)).toBe("1 kB");
    expect(formatBytes(1536)).toBe("1.5 kB");
    expect(formatBytes(250_000)).toBe("250 kB");
    expect(formatBytes(3_400_000)).toBe("3.4 MB");
    expect(formatBytes(5e12)).toBe("5 TB");
  });
});
