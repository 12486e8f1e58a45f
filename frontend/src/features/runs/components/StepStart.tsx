import type { StepStart } from "../../../api/runs";
import { startLabel } from "../lib/labels";

/** The "Start" fact of a step's details: "Warm start · 24 ms", the reason as a tooltip; nothing when unknown. */
export function StepStartFact({ start }: { start: StepStart | null | undefined }) {
  const label = startLabel(start);
  if (!label || !start) return null;
  return (
    <>
      <dt>Start</dt>
      <dd data-testid="step-start" data-kind={start.kind} title={label.title}>
        {label.text}
      </dd>
    </>
  );
}
