import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { clonePipeline, usePipelines } from "../../../api/pipelines";
import { instantiateTemplate, useTemplates } from "../api/templates";
import type { Template } from "../api/templates";
import { errorMessage } from "../../../lib/api";
import { toast } from "../../../components/toastStore";
import { Dialog } from "../../../components/Dialog";
import { useDebounced } from "../../../lib/useDebounced";
import { formatDate } from "../../../lib/format";
import type { PipelineSummary } from "../../../lib/types";

export function PipelinesPage() {
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const q = useDebounced(search, 250);
  const { data, error, loading } = usePipelines({ search: q, page });
  const templates = useTemplates();
  const [showTemplates, setShowTemplates] = useState(false);

  const onClone = async (p: PipelineSummary) => {
    try {
      const created = await clonePipeline(p.id, { name: `${p.name}-copy` });
      toast.success(`Cloned as ${created.name}`);
      navigate(`/pipelines/${created.id}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onTemplate = async (t: Template) => {
    try {
      const created = await instantiateTemplate(t.slug);
      navigate(`/pipelines/${created.id}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Pipelines</h1>
          <p className="muted">Versioned graphs of registered components.</p>
        </div>
        <div className="page-actions">
          {!!templates.data?.length && (
            <button className="btn" onClick={() => setShowTemplates(true)} data-testid="btn-new-from-template">
              New from template
            </button>
          )}
          <Link className="btn btn-primary" to="/pipelines/new" data-testid="btn-new-pipeline">
            New pipeline
          </Link>
        </div>
      </div>
      <div className="toolbar-row">
        <input
          className="search"
          type="search"
          placeholder="Search pipelines"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(1);
          }}
        />
        {data && (
          <span className="muted">
            {data.count} pipeline{data.count === 1 ? "" : "s"}
          </span>
        )}
      </div>
      {error ? <div className="form-error">{errorMessage(error)}</div> : null}
      <div className="card table-card">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>Version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.results.map((p) => (
              <tr key={p.id} className={p.archived ? "archived" : undefined}>
                <td>
                  <Link to={`/pipelines/${p.id}`} className="strong">
                    {p.name}
                  </Link>
                  {p.archived && <span className="badge">archived</span>}
                  {p.description && (
                    <div className="muted small clamp-2" title={p.description} data-testid="pipeline-description">
                      {p.description}
                    </div>
                  )}
                </td>
                <td>{p.owner}</td>
                <td>
                  <span className="badge">v{p.latest_version}</span>
                </td>
                <td className="muted">{formatDate(p.updated_at)}</td>
                <td className="row-actions">
                  <Link className="btn btn-sm" to={`/pipelines/${p.id}`}>
                    Open
                  </Link>
                  <button className="btn btn-sm btn-ghost" onClick={() => onClone(p)}>
                    Clone
                  </button>
                </td>
              </tr>
            ))}
            {data && !data.results.length && (
              <tr>
                <td colSpan={5} className="empty-cell">
                  No pipelines yet. <Link to="/pipelines/new">Create one</Link>.
                </td>
              </tr>
            )}
            {loading && !data && (
              <tr>
                <td colSpan={5} className="empty-cell">
                  Loading…
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {data && (data.next || data.previous) && (
        <div className="pager">
          <button className="btn btn-sm" disabled={!data.previous} onClick={() => setPage((p) => p - 1)}>
            Previous
          </button>
          <span className="muted">Page {page}</span>
          <button className="btn btn-sm" disabled={!data.next} onClick={() => setPage((p) => p + 1)}>
            Next
          </button>
        </div>
      )}
      {showTemplates && (
        <Dialog title="New from template" onClose={() => setShowTemplates(false)} width={520}>
          <ul className="template-list">
            {templates.data?.map((t) => (
              <li key={t.slug}>
                <button className="template-item" onClick={() => onTemplate(t)} data-testid={`template-${t.slug}`}>
                  <span className="strong">{t.name}</span>
                  <span className="muted small">{t.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </Dialog>
      )}
    </div>
  );
}
