/**
 * Live run events: one union whose `type` names match the server's one to one
 * (designer/engine/events.py: run.status, step.status, step.log, step.output).
 */

import type { RunStatus, StepStatus } from "../../../lib/types";

export type { RunStatus, StepStatus };

export interface RunStatusPayload {
  status: RunStatus;
  error: string;
}

export interface StepStatusPayload {
  node: string;
  step: number;
  status: StepStatus;
  attempt: number;
  reused: boolean;
  reused_from: number | null;
  reason: string;
  error: string;
  exit_code: number | null;
  worker: string;
}

export type LogStream = "stdout" | "stderr" | "conveyor";

export interface StepLogPayload {
  node: string;
  step: number;
  attempt: number;
  lines: [LogStream, string][];
  /** Lines the socket left out of a frame (a flood); the log over HTTP has them all. */
  dropped?: number;
}

export interface StepOutputPayload {
  node: string;
  step: number;
  port: string;
  type: string;
  path: string;
  sha256: string;
  size: number;
  kind: string;
  file_count?: number;
}

interface EventOf<T extends string, P> {
  run: number;
  seq: number;
  type: T;
  payload: P;
  created_at: string | null;
}

export type RunEvent =
  | EventOf<"run.status", RunStatusPayload>
  | EventOf<"step.status", StepStatusPayload>
  | EventOf<"step.log", StepLogPayload>
  | EventOf<"step.output", StepOutputPayload>;

export type RunEventType = RunEvent["type"];

/** Every event name, checked against the union at compile time in both directions. */
export const RUN_EVENT_TYPES = ["run.status", "step.status", "step.log", "step.output"] as const satisfies readonly RunEventType[];
type Missing = Exclude<RunEventType, (typeof RUN_EVENT_TYPES)[number]>;
const _allListed: Missing extends never ? true : never = true;
void _allListed;

/** A frame from /ws/runs/<id>/. */
export type ServerFrame = { type: "events"; events: unknown[]; last_seq: number } | { type: "pong" };

const KNOWN: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A well-formed event of a known type, or null (an unknown type from a newer server is ignored). */
export function parseRunEvent(raw: unknown): RunEvent | null {
  if (!isRecord(raw) || typeof raw.type !== "string" || !KNOWN.has(raw.type)) return null;
  if (typeof raw.seq !== "number" || !isRecord(raw.payload)) return null;
  if (raw.type !== "run.status" && typeof raw.payload.node !== "string") return null;
  return raw as unknown as RunEvent;
}

/** The events of a socket frame, or null when it is not an events frame. */
export function parseFrame(text: string): { events: RunEvent[]; lastSeq: number } | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(data) || data.type !== "events" || !Array.isArray(data.events)) return null;
  const events = data.events.map(parseRunEvent).filter((e): e is RunEvent => e !== null);
  const lastSeq = typeof data.last_seq === "number" ? data.last_seq : Math.max(0, ...events.map((e) => e.seq));
  return { events, lastSeq };
}
