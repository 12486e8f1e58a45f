/** A search that adds the chosen component at a point; after a dropped wire, only those that fit. */
import { useEffect, useMemo, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { fetchSpecs, usePaletteComponents } from "../../../api/components";
import { useAddComponent } from "../hooks/useAddComponent";
import { useCanvasStore } from "../../../canvas/canvasStore";
import { compatiblePort, matchesQuery } from "../lib/quickAdd";
import type { WireEnd } from "../lib/quickAdd";
import type { ComponentSpec, ComponentSummary } from "../../../lib/types";

const MAX_ITEMS = 12;

interface QuickAddProps {
  /** Screen point: where the popover opens and the node lands. */
  at: { x: number; y: number };
  from: WireEnd | null;
  onClose: () => void;
}

const refOf = (c: ComponentSummary) => `${c.name}@${c.latest_version}`;

export function QuickAdd({ at, from, onClose }: QuickAddProps) {
  const { data } = usePaletteComponents();
  const compatibility = useCanvasStore((s) => s.compatibility);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const [specs, setSpecs] = useState<Record<string, ComponentSpec> | null>(null);
  const add = useAddComponent();
  const box = useRef<HTMLDivElement>(null);

  // A dropped wire needs the ports of every component: fetched once, kept in the canvas store.
  useEffect(() => {
    if (!from || !data) return;
    let live = true;
    const known = useCanvasStore.getState().specs;
    const refs = data.results.filter((c) => !c.only_anonymous).map(refOf);
    const missing = refs.filter((r) => !known[r]);
    void fetchSpecs(missing).then((loaded) => {
      if (!live) return;
      if (loaded.length) useCanvasStore.getState().setSpecs(loaded);
      const all = useCanvasStore.getState().specs;
      setSpecs(Object.fromEntries(refs.filter((r) => all[r]).map((r) => [r, all[r] as ComponentSpec])));
    });
    return () => {
      live = false;
    };
  }, [from, data]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    window.addEventListener("mousedown", onDown);
    return () => window.removeEventListener("mousedown", onDown);
  }, [onClose]);

  const items = useMemo(() => {
    const out: { c: ComponentSummary; port: string | null }[] = [];
    for (const c of data?.results ?? []) {
      if (c.only_anonymous || !matchesQuery(c, q)) continue;
      if (!from) out.push({ c, port: null });
      else {
        const spec = specs?.[refOf(c)];
        const port = spec ? compatiblePort(spec, from, compatibility) : null;
        if (port) out.push({ c, port });
      }
    }
    return out.slice(0, MAX_ITEMS);
  }, [data, q, from, specs, compatibility]);

  const pick = async (item: { c: ComponentSummary; port: string | null }) => {
    onClose();
    const id = await add(item.c.name, item.c.latest_version, at);
    if (!id || !from || !item.port) return;
    const s = useCanvasStore.getState();
    if (from.handle === "source") s.connect({ source: from.node, sourceHandle: from.port, target: id, targetHandle: item.port });
    else s.connect({ source: id, sourceHandle: item.port, target: from.node, targetHandle: from.port });
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") onClose();
    else if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, items.length - 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (e.key === "Enter") {
      const item = items[active];
      if (item) void pick(item);
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const left = Math.min(at.x, window.innerWidth - 300);
  const top = Math.min(at.y, window.innerHeight - 360);
  const loading = !data || (!!from && !specs);
  return (
    <div ref={box} className="quick-add" style={{ left, top }} role="dialog" aria-label="Add a component" data-testid="quick-add">
      <input
        autoFocus
        type="search"
        placeholder={from ? `Components taking ${from.type}…` : "Add a component…"}
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKey}
        data-testid="quick-add-search"
      />
      <ul role="listbox">
        {items.map((item, i) => (
          <li
            key={item.c.name}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseEnter={() => setActive(i)}
            onClick={() => void pick(item)}
            data-testid={`quick-add-item-${item.c.name}`}
          >
            <span className="quick-add-name">{item.c.display_name || item.c.name}</span>
            {item.port && <span className="muted small"> → {item.port}</span>}
          </li>
        ))}
        {loading && <li className="muted small">Loading…</li>}
        {!loading && !items.length && <li className="muted small">{from ? "No component takes this output." : "No component matches."}</li>}
      </ul>
    </div>
  );
}
