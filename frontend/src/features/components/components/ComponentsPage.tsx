import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useComponents } from "../../../api/components";
import { useDebounced } from "../../../lib/useDebounced";
import { categoryOf, tagLabel } from "../../../lib/format";
import { errorMessage } from "../../../lib/api";
import { ownerLabel, ownerTitle } from "../lib/owner";

export function ComponentsPage() {
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState<string | null>(null);
  const q = useDebounced(search, 250);
  const { data, error, loading } = useComponents({ search: q, page_size: 500 });

  const tags = useMemo(() => {
    const set = new Set<string>();
    for (const c of data?.results ?? []) for (const [k, v] of Object.entries(c.tags ?? {})) set.add(`${k}:${v}`);
    return [...set].sort();
  }, [data]);

  const rows = useMemo(
    () =>
      (data?.results ?? []).filter((c) => {
        if (!tag) return true;
        const [k, v] = tag.split(/:(.*)/s);
        return c.tags?.[k ?? ""] === v;
      }),
    [data, tag],
  );

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Components</h1>
          <p className="muted">The registry: every published component version is immutable.</p>
        </div>
      </div>
      <div className="toolbar-row">
        <input className="search" type="search" placeholder="Search components" value={search} onChange={(e) => setSearch(e.target.value)} />
        <div className="chips">
          <button className={`chip${tag === null ? " active" : ""}`} onClick={() => setTag(null)}>
            All
          </button>
          {tags.map((t) => (
            <button key={t} className={`chip${tag === t ? " active" : ""}`} onClick={() => setTag(t === tag ? null : t)} data-testid="tag-chip">
              {tagLabel(t)}
            </button>
          ))}
        </div>
      </div>
      {error ? <div className="form-error">{errorMessage(error)}</div> : null}
      <div className="card-grid">
        {rows.map((c) => (
          <Link key={c.name} to={`/components/${encodeURIComponent(c.name)}`} className="card component-card">
            <div className="component-card-head">
              <span className="strong">{c.display_name || c.name}</span>
              <span className="badge">{c.only_anonymous ? "anonymous" : `v${c.latest_version}`}</span>
            </div>
            <div className="component-card-meta">
              <code className="muted small">{c.name}</code>
              <span
                className={`owner-chip${c.owner?.kind === "system" ? " owner-system" : ""}`}
                data-testid="component-owner"
                title={ownerTitle(c.owner)}
              >
                {ownerLabel(c.owner)}
              </span>
            </div>
            <p className="small clamp-2">{c.description}</p>
            <div className="component-card-foot">
              <span className="badge badge-soft">{categoryOf(c.tags)}</span>
              <span className="muted small">
                {c.versions.length - (c.anonymous_versions ?? 0)} version{c.versions.length - (c.anonymous_versions ?? 0) === 1 ? "" : "s"}
                {c.anonymous_versions ? ` · ${c.anonymous_versions} anonymous` : ""}
              </span>
            </div>
          </Link>
        ))}
        {loading && !data && <div className="muted">Loading…</div>}
        {data && !rows.length && <div className="muted">No components match.</div>}
      </div>
    </div>
  );
}
