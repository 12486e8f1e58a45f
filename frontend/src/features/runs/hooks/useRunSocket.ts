/** Keeps the run page's store live over /ws/runs/<id>/, resuming after the last seq seen. */
import { useEffect } from "react";
import { useRunStatusStore } from "../store/runStatusStore";
import { parseFrame } from "../lib/events";

const RETRY_MS = [250, 500, 1000, 2000, 4000];
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

declare global {
  interface Window {
    /** Test hook: drop the run socket as a network failure would. */
    __conveyorRunSocket?: { drop(): void; readonly opens: number };
  }
}

export function socketUrl(runId: string | number, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${loc.host}/ws/runs/${encodeURIComponent(String(runId))}/`;
}

/** Connects once `ready` (the snapshot is loaded), reconnects with backoff, and stops on refusal. */
export function useRunSocket(runId: string, ready: boolean): void {
  useEffect(() => {
    if (!ready) return;
    const store = useRunStatusStore.getState;
    let socket: WebSocket | null = null;
    let timer = 0;
    let failures = 0;
    let opens = 0;
    let stopped = false;

    const retry = () => {
      store().setConnection("reconnecting");
      const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 4000;
      failures += 1;
      timer = window.setTimeout(open, delay);
    };

    const open = () => {
      if (stopped) return;
      store().setConnection(opens === 0 && failures === 0 ? "connecting" : "reconnecting");
      let ws: WebSocket;
      try {
        ws = new WebSocket(socketUrl(runId));
      } catch {
        retry(); // offline, or the browser refused to open one: try again later
        return;
      }
      socket = ws;
      ws.onopen = () => {
        opens += 1;
        failures = 0;
        ws.send(JSON.stringify({ type: "hello", after: store().lastSeq }));
        store().setConnection("live");
      };
      ws.onmessage = (msg: MessageEvent<string>) => {
        const frame = parseFrame(msg.data);
        if (frame) store().applyFrame(frame.events, frame.lastSeq);
      };
      ws.onclose = (e: CloseEvent) => {
        if (socket !== ws || stopped) return;
        socket = null;
        if (e.code === CLOSE_UNAUTHENTICATED || e.code === CLOSE_FORBIDDEN) {
          store().setConnection("refused", e.code === CLOSE_UNAUTHENTICATED ? "Sign in again to watch this run." : "You may not watch this run.");
          return;
        }
        retry();
      };
    };

    window.__conveyorRunSocket = {
      drop: () => socket?.close(),
      get opens() {
        return opens;
      },
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
      socket = null;
      delete window.__conveyorRunSocket;
      store().setConnection("idle");
    };
  }, [runId, ready]);
}
