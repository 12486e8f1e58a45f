import { describe, expect, it } from "vitest";
import { formatLatency, hidePath, startLabel, statusLabel } from "./labels";

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
  it("say how a step started, with its latency and the reason as a title", () => {
    expect(startLabel({ kind: "warm", latency_ms: 24.4 })).toEqual({ text: "Warm start · 24 ms", title: undefined });
    expect(startLabel({ kind: "cold", latency_ms: 310, reason: "no warm process for this environment" })).toEqual({
      text: "Cold start · 310 ms",
      title: "no warm process for this environment",
    });
    expect(startLabel({ kind: "cold", latency_ms: 1520 })?.text).toBe("Cold start · 1.5 s");
    expect(startLabel({ kind: "warm", latency_ms: null, reason: "the zygote did not start it" })).toEqual({
      text: "Warm start",
      title: "the zygote did not start it",
    });
    expect(startLabel(null)).toBeNull();
    expect(startLabel(undefined)).toBeNull();
  });
  it("say start latencies in ms, then seconds", () => {
    expect(formatLatency(0.4)).toBe("0 ms");
    expect(formatLatency(999)).toBe("999 ms");
    expect(formatLatency(2000)).toBe("2 s");
    expect(formatLatency(65_000)).toBe("1 m 05 s");
  });
});
