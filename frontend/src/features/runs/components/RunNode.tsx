import { memo } from "react";
import type { NodeProps } from "@xyflow/react";
import { Link } from "react-router-dom";
import { NodeCard } from "../../../canvas/NodeCard";
import type { CanvasNode } from "../../../canvas/document";
import { useRunStatusStore } from "../store/runStatusStore";
import { nodeStatus } from "../store/runView";
import type { StepView } from "../store/runView";
import { useNow } from "../hooks/useNow";
import { formatDuration, span } from "../lib/time";

function Elapsed({ step }: { step: StepView }) {
  const now = useNow(true);
  return <span className="run-node-clock">{formatDuration(span(step.started_at, null, now))}</span>;
}

function NodeFooter({ step }: { step: StepView }) {
  const status = nodeStatus(step);
  switch (status) {
    case "Running":
      return step.preparing ? (
        <span data-testid="run-node-preparing">
          Preparing environment · <Elapsed step={step} />
        </span>
      ) : (
        <>
          Running · <Elapsed step={step} />
        </>
      );
    case "Reused":
      return step.reused_from_run ? (
        <>
          Reused from{" "}
          <Link to={`/runs/${step.reused_from_run}`} onClick={(e) => e.stopPropagation()}>
            run {step.reused_from_run}
          </Link>
        </>
      ) : (
        <>Reused (cache hit)</>
      );
    case "Failed":
      return (
        <span className="run-node-error" title={step.error}>
          {step.error.split("\n")[0] || "Failed"}
        </span>
      );
    case "Completed":
      return <>Completed in {formatDuration(span(step.started_at, step.ended_at, Date.now()))}</>;
    case "NotStarted":
      return <>Not started</>;
    default:
      return <>{status}</>;
  }
}

/** The designer's node card, read-only, its footer line showing the step's live status. */
function RunNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  const step = useRunStatusStore((s) => s.steps[id]);
  const status = step ? nodeStatus(step) : "NotStarted";
  const footer = (
    <span className="run-node-foot" data-testid={`run-node-status-${id}`}>
      <span className={`run-dot run-dot-${status}`} />
      {step ? <NodeFooter step={step} /> : "Not started"}
    </span>
  );
  return (
    <div className={`run-node run-${status}`} data-testid={`run-node-${id}`} data-status={status}>
      <NodeCard id={id} data={data} selected={selected} footer={footer} />
    </div>
  );
}

export const RunNode = memo(RunNodeView);
