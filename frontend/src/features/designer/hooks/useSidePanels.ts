import { useCallback, useState } from "react";

export interface SidePanels {
  palette: boolean;
  properties: boolean;
}

const KEY = "conveyor.designer.panels";

function initial(): SidePanels {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<SidePanels> | null;
    return { palette: saved?.palette !== false, properties: saved?.properties !== false };
  } catch {
    return { palette: true, properties: true };
  }
}

/** Which side panels are open, remembered across visits. */
export function useSidePanels() {
  const [panels, setPanels] = useState<SidePanels>(initial);
  const toggle = useCallback((which: keyof SidePanels) => {
    setPanels((p) => {
      const next = { ...p, [which]: !p[which] };
      localStorage.setItem(KEY, JSON.stringify(next));
      return next;
    });
  }, []);
  return { panels, toggle };
}
