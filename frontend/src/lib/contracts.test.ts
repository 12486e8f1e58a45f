/** Contract fixtures shared with pytest (tests/engine/test_contracts.py reads the same files). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  RUN_EVENT_TYPES,
  type RunEventType,
  type RunStatusPayload,
  type StepLogPayload,
  type StepOutputPayload,
  type StepStatusPayload,
} from "../features/runs/lib/events";
import { DEFAULT_COMPATIBILITY } from "./connection";

const CONTRACTS = fileURLToPath(new URL("../../../tests/fixtures/contracts/", import.meta.url));

function contract<T>(name: string, key: string): T {
  return (JSON.parse(readFileSync(CONTRACTS + name, "utf8")) as Record<string, T>)[key]!;
}

// Every key of each payload type, listed once: `satisfies` makes tsc refuse a missing or
// unknown key, and the test compares the list with the shared fixture.
type Keys<P> = Record<keyof P, boolean>;
const PAYLOAD_KEYS = {
  "run.status": { status: true, error: true } satisfies Keys<RunStatusPayload>,
  "step.status": {
    node: true,
    step: true,
    status: true,
    attempt: true,
    reused: true,
    reused_from: true,
    reason: true,
    error: true,
    exit_code: true,
    worker: true,
  } satisfies Keys<StepStatusPayload>,
  "step.log": { node: true, step: true, attempt: true, lines: true, dropped: false } satisfies Keys<StepLogPayload>,
  "step.output": {
    node: true,
    step: true,
    port: true,
    type: true,
    path: true,
    sha256: true,
    size: true,
    kind: true,
    file_count: false,
  } satisfies Keys<StepOutputPayload>,
} satisfies Record<RunEventType, Record<string, boolean>>;

describe("contracts shared with the server", () => {
  it("knows exactly the server's run event names", () => {
    const events = contract<Record<string, string[]>>("run_events.json", "events");
    expect([...RUN_EVENT_TYPES].sort()).toEqual(Object.keys(events).sort());
  });

  it("expects exactly the payload keys the server always sends", () => {
    const events = contract<Record<string, string[]>>("run_events.json", "events");
    for (const [type, keys] of Object.entries(PAYLOAD_KEYS)) {
      const required = Object.entries(keys)
        .filter(([, always]) => always)
        .map(([key]) => key)
        .sort();
      expect(required, type).toEqual([...events[type]!].sort());
    }
  });

  it("uses the server's port compatibility table", () => {
    const table = contract<Record<string, string[]>>("port_compatibility.json", "compatibility");
    const sorted = Object.fromEntries(Object.entries(DEFAULT_COMPATIBILITY).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted).toEqual(table);
  });
});
