import { describe, expect, it } from "vitest";
import { hidePath, statusLabel } from "./labels";

describe("labels", () => {
  it("say statuses in words", () => {
    expect(statusLabel("NotStarted")).toBe("Not started");
    expect(statusLabel("Completed")).toBe("Completed");
  });
  it("hide absolute server paths", () => {
    expect(hidePath("/var/lib/conveyor/artifacts/ab/cd/data")).toBe("…/data");
    expect(hidePath("hello")).toBe("hello");
    expect(hidePath(3)).toBe(3);
  });
});
