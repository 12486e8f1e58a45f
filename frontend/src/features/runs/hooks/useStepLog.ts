/** A step's log read over HTTP in whole-line chunks: the end first, then live appends, earlier parts on demand. */
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchLogChunk } from "../../../api/runs";
import { errorMessage } from "../../../lib/api";

export interface StepLog {
  lines: string[];
  /** Byte offset of the first loaded line: > 0 means earlier lines can be loaded. */
  start: number;
  loadingEarlier: boolean;
  error: string | null;
  loadEarlier(): void;
}

const MIN_GAP_MS = 250;

function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `tick` changes whenever the socket reports new log lines; `attempt` resets the log. */
export function useStepLog(runId: string, node: string, attempt: number, tick: number): StepLog {
  const [lines, setLines] = useState<string[]>([]);
  const [start, setStart] = useState(0);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cursor = useRef<{ end: number | null; busy: boolean; again: boolean; last: number }>({ end: null, busy: false, again: false, last: 0 });
  const generation = useRef(0);

  const pull = useCallback(async () => {
    const c = cursor.current;
    if (c.busy) {
      c.again = true;
      return;
    }
    c.busy = true;
    const gen = generation.current;
    try {
      do {
        c.again = false;
        const wait = c.last + MIN_GAP_MS - Date.now();
        if (wait > 0) await new Promise((r) => window.setTimeout(r, wait));
        c.last = Date.now();
        const first = c.end === null;
        const chunk = await fetchLogChunk(runId, node, first ? {} : { after: c.end ?? 0 });
        if (gen !== generation.current) return;
        c.end = chunk.end;
        const added = splitLines(chunk.text);
        if (first) {
          setStart(chunk.start);
          setLines(added);
        } else if (added.length) {
          setLines((prev) => prev.concat(added));
        }
        setError(null);
        if (!first && chunk.end < chunk.size && added.length) c.again = true; // more than a chunk behind
      } while (c.again && gen === generation.current);
    } catch (e) {
      if (gen === generation.current) setError(errorMessage(e));
    } finally {
      if (gen === generation.current) c.busy = false;
    }
  }, [runId, node]);

  // A new step or attempt: start over from the end of its log.
  useEffect(() => {
    generation.current += 1;
    cursor.current = { end: null, busy: false, again: false, last: 0 };
    setLines([]);
    setStart(0);
    setError(null);
  }, [runId, node, attempt]);

  useEffect(() => {
    void pull();
  }, [pull, tick, attempt]);

  const loadEarlier = useCallback(() => {
    if (start <= 0 || loadingEarlier) return;
    const gen = generation.current;
    setLoadingEarlier(true);
    fetchLogChunk(runId, node, { before: start })
      .then((chunk) => {
        if (gen !== generation.current) return;
        setStart(chunk.start);
        setLines((prev) => splitLines(chunk.text).concat(prev));
      })
      .catch((e: unknown) => setError(errorMessage(e)))
      .finally(() => setLoadingEarlier(false));
  }, [runId, node, start, loadingEarlier]);

  return { lines, start, loadingEarlier, error, loadEarlier };
}
