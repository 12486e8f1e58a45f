import { memo, useMemo, useState } from "react";
import type { DragEvent, KeyboardEvent } from "react";
import { usePaletteComponents } from "../../../api/components";
import { categoryOf } from "../../../lib/format";
import type { ComponentSummary } from "../../../lib/types";
import { DND_MIME, useAddComponent } from "../hooks/useAddComponent";
import { errorMessage } from "../../../lib/api";
import { Icon } from "../../../components/icons";

function matches(c: ComponentSummary, q: string): boolean {
  if (!q) return true;
  const hay = [c.name, c.display_name, c.description, ...Object.entries(c.tags ?? {}).flat()].join(" ").toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
}

const PaletteItem = memo(function PaletteItem({ c, onAdd }: { c: ComponentSummary; onAdd: (c: ComponentSummary) => void }) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(DND_MIME, JSON.stringify({ name: c.name, version: c.latest_version }));
    e.dataTransfer.effectAllowed = "copy";
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      onAdd(c);
    }
  };
  return (
    <li
      className="palette-item"
      draggable
      tabIndex={0}
      onDragStart={onDragStart}
      onDoubleClick={() => onAdd(c)}
      onKeyDown={onKey}
      title={`${c.description}\nDrag onto the canvas, or double-click / Enter to add`}
      data-testid={`palette-item-${c.name}`}
    >
      <div className="palette-item-head">
        <span className="palette-name">{c.display_name || c.name}</span>
        {c.registry === "azureml" && (
          <span
            className="badge badge-soft palette-registry"
            title={`Built-in: azureml://registries/azureml/components/${c.name}`}
            data-testid="palette-registry"
          >
            azureml
          </span>
        )}
        <span className="palette-ver">v{c.latest_version}</span>
      </div>
      <div className="palette-desc">{c.description || c.name}</div>
    </li>
  );
});

export function Palette() {
  const { data, error, loading } = usePaletteComponents();
  const [q, setQ] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const add = useAddComponent();
  const onAdd = useMemo(() => (c: ComponentSummary) => void add(c.name, c.latest_version), [add]);

  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const by = new Map<string, ComponentSummary[]>();
    for (const c of data?.results ?? []) {
      // Anonymous versions belong to the pipelines that shipped them, not to the palette.
      if (c.only_anonymous || !matches(c, needle)) continue;
      const cat = categoryOf(c.tags);
      const list = by.get(cat);
      if (list) list.push(c);
      else by.set(cat, [c]);
    }
    return [...by.entries()].sort(([a], [b]) => (a === "Other" ? 1 : b === "Other" ? -1 : a.localeCompare(b)));
  }, [data, q]);

  return (
    <aside className="palette" aria-label="Component palette">
      <div className="panel-title">Components</div>
      <label className="palette-search">
        <Icon name="search" size={14} />
        <input
          type="search"
          placeholder="Search components"
          title="Search by name, description or tag"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="palette-search"
        />
      </label>
      <div className="palette-scroll">
        {loading && !data && <div className="muted pad">Loading…</div>}
        {error ? <div className="form-error pad">{errorMessage(error)}</div> : null}
        {groups.map(([cat, items]) => (
          <section key={cat} className="palette-group">
            <button
              className="palette-group-title"
              onClick={() => setCollapsed((s) => ({ ...s, [cat]: !s[cat] }))}
              aria-expanded={!collapsed[cat] || !!q}
            >
              <span className={`caret${collapsed[cat] && !q ? " closed" : ""}`}>▾</span>
              {cat}
              <span className="count">{items.length}</span>
            </button>
            {(!collapsed[cat] || q) && (
              <ul>
                {items.map((c) => (
                  <PaletteItem key={c.name} c={c} onAdd={onAdd} />
                ))}
              </ul>
            )}
          </section>
        ))}
        {data && !groups.length && <div className="muted pad">No component matches “{q}”.</div>}
      </div>
      <div className="palette-hint muted small">Drag onto the canvas, or double-click.</div>
    </aside>
  );
}
