import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { StepStart } from "../../../api/runs";
import { StepStartFact } from "./StepStart";

const render = (start: StepStart | null) => renderToStaticMarkup(createElement(StepStartFact, { start }));

describe("a step's start in its details", () => {
  it("shows a warm start with its latency", () => {
    expect(render({ kind: "warm", latency_ms: 24 })).toBe('<dt>Start</dt><dd data-testid="step-start" data-kind="warm">Warm start · 24 ms</dd>');
  });

  it("shows a cold start with the reason as its tooltip", () => {
    const html = render({ kind: "cold", latency_ms: 310, reason: "first step of this environment" });
    expect(html).toContain('title="first step of this environment"');
    expect(html).toContain(">Cold start · 310 ms</dd>");
  });

  it("shows nothing while the start is not known", () => {
    expect(render(null)).toBe("");
  });
});
