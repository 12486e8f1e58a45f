import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ReactFlowProvider } from "@xyflow/react";
import { selectDirty, useCanvasStore } from "../../../canvas/canvasStore";
import { Palette } from "./Palette";
import { Canvas } from "./Canvas";
import { PropertiesPanel } from "./PropertiesPanel";
import { DesignerToolbar } from "./DesignerToolbar";
import { ValidationPanel } from "./ValidationPanel";
import { SaveDialog } from "./SaveDialog";
import { SubmitDialog } from "../../../components/SubmitDialog";
import { Dialog } from "../../../components/Dialog";
import { useDesignerShortcuts } from "../hooks/useDesignerShortcuts";
import { useUnsavedGuard } from "../hooks/useUnsavedGuard";
import { useFitAll } from "../hooks/useFitAll";
import { useSidePanels } from "../hooks/useSidePanels";
import { clonePipeline, createPipeline, fetchPipeline, fetchVersion, saveVersion, validateDocument } from "../../../api/pipelines";
import { fetchSpecs } from "../../../api/components";
import { fetchMeta } from "../../../api/meta";
import { fetchRun, submitRun } from "../../../api/runs";
import type { Run } from "../../../api/runs";
import { upstreamOf } from "../../../lib/graph";
import { emptyDocument } from "../../../canvas/document";
import { errorMessage } from "../../../lib/api";
import { toast } from "../../../components/toastStore";
import type { PipelineDocument, Primitive } from "../../../lib/types";

type LoadState = { status: "loading" } | { status: "ready" } | { status: "error"; message: string };

/** Fetch the specs a document needs, then load it into the canvas store. */
async function loadDocument(doc: PipelineDocument, opts: { pipelineId: string | null; version: number | null; readOnly: boolean }) {
  const known = useCanvasStore.getState().specs;
  const missing = (doc.nodes ?? []).map((n) => n.component).filter((c) => !known[c]);
  useCanvasStore.getState().setSpecs(await fetchSpecs(missing));
  useCanvasStore.getState().load(doc, opts);
}

/** What a resubmission from a run will reuse: its completed steps upstream of the fixed node. */
function ReuseNote({ run, node }: { run: Run; node: string | null }) {
  const edges = useCanvasStore((s) => s.edges);
  const done = new Set((run.steps ?? []).filter((st) => st.status === "Completed").map((st) => st.node));
  const upstream = node ? [...upstreamOf(node, edges)].filter((n) => done.has(n)).sort() : [];
  return (
    <p>
      Inputs are filled in from <strong>run {run.id}</strong>.{" "}
      {node &&
        (upstream.length ? (
          <>
            Its completed steps upstream of <code>{node}</code> (
            {upstream.map((n, i) => (
              <span key={n}>
                {i ? ", " : ""}
                <code>{n}</code>
              </span>
            ))}
            ) are reused, not run again, as long as they are unchanged.
          </>
        ) : (
          <>
            Nothing upstream of <code>{node}</code> completed in that run, so every step runs.
          </>
        ))}
    </p>
  );
}

function DesignerInner() {
  const { id } = useParams();
  const pipelineId = id && id !== "new" ? id : null;
  const navigate = useNavigate();
  // ?version=N opens that version (read-only unless it is the latest): a run links to it.
  const [search] = useSearchParams();
  const wanted = Number(search.get("version")) || null;
  // From a run: ?edit=1 opens its version editable, from_run pre-fills the submit dialog with
  // the run's inputs, node selects a (failed) step's node.
  const editable = search.get("edit") === "1";
  const fromRunId = search.get("from_run");
  const focusNode = search.get("node");
  const [fromRun, setFromRun] = useState<Run | null>(null);
  const [load, setLoad] = useState<LoadState>({ status: "loading" });
  const [latest, setLatest] = useState<number | null>(null);
  const [dialog, setDialog] = useState<null | "save" | "submit">(null);
  const [busy, setBusy] = useState(false);
  const { panels, toggle: togglePanel } = useSidePanels();
  const [showProblems, setShowProblems] = useState(true);
  const dirty = useCanvasStore(selectDirty);
  const readOnly = useCanvasStore((s) => s.readOnly);
  const version = useCanvasStore((s) => s.version);
  const blocker = useUnsavedGuard(dirty);

  const fitAll = useFitAll();
  const fitRef = useRef(fitAll);
  fitRef.current = fitAll;
  // The canvas fits a graph when it mounts; this refits one loaded into a mounted canvas.
  const refit = useCallback(() => {
    // An empty canvas is not fitted: the timer could fire after the first drop and move it.
    const count = useCanvasStore.getState().nodes.length;
    if (!count) return;
    window.setTimeout(() => fitRef.current(), 50);
  }, []);

  useEffect(() => {
    let cancelled = false;
    setLoad({ status: "loading" });
    fetchMeta().then(
      (m) => useCanvasStore.getState().setCompatibility(m.compatibility),
      () => undefined,
    );
    (async () => {
      if (!pipelineId) {
        useCanvasStore.getState().load(emptyDocument(), {});
        setLatest(null);
      } else {
        const p = await fetchPipeline(pipelineId);
        if (cancelled) return;
        const older = wanted !== null && wanted !== p.latest?.number ? await fetchVersion(pipelineId, wanted) : null;
        if (cancelled) return;
        const shown = older ?? p.latest;
        const doc = shown?.document ?? emptyDocument(p.name);
        // The run's inputs before the canvas shows: a quick Submit must find them pre-filled.
        const run = fromRunId ? await fetchRun(fromRunId).catch(() => null) : null;
        if (cancelled) return;
        setFromRun(run);
        if (older && editable) {
          // The run's version, to edit: saving it makes a new version after the latest.
          await loadDocument(doc, { pipelineId: String(p.id), version: p.latest?.number ?? null, readOnly: false });
          useCanvasStore.setState({ savedRev: -1 });
        } else {
          await loadDocument(doc, { pipelineId: String(p.id), version: shown?.number ?? null, readOnly: older !== null });
        }
        if (shown && !shown.is_valid && shown.errors?.length) useCanvasStore.getState().setValidation(shown.errors);
        if (focusNode) useCanvasStore.getState().selectNode(focusNode);
        setLatest(p.latest?.number ?? null);
      }
      if (!cancelled) setLoad({ status: "ready" });
    })().catch((e: unknown) => !cancelled && setLoad({ status: "error", message: errorMessage(e) }));
    return () => {
      cancelled = true;
    };
  }, [pipelineId, wanted, editable, fromRunId, focusNode]);

  const openSave = useCallback(() => {
    const s = useCanvasStore.getState();
    // Saving an unchanged graph is allowed: it records a version (and its message) as is.
    if (!s.readOnly) setDialog("save");
  }, []);
  useDesignerShortcuts(openSave);

  const save = async (message: string) => {
    const s = useCanvasStore.getState();
    const document = s.toDocument();
    setBusy(true);
    try {
      if (!s.pipelineId) {
        const created = await createPipeline({ name: document.name, description: document.description, document, message });
        s.markSaved({ pipelineId: String(created.id), version: created.latest?.number ?? created.latest_version });
        toast.success(`Created ${created.name}`);
        setDialog(null);
        navigate(`/pipelines/${created.id}`, { replace: true });
      } else {
        const v = await saveVersion(s.pipelineId, { document, message });
        s.markSaved({ version: v.number });
        s.setValidation(v.is_valid ? null : v.errors);
        setShowProblems(true);
        setLatest(v.number);
        toast.success(`Saved version ${v.number}${v.is_valid ? "" : " (has problems)"}`);
        setDialog(null);
      }
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const validate = async () => {
    setBusy(true);
    try {
      const r = await validateDocument(useCanvasStore.getState().toDocument());
      useCanvasStore.getState().setValidation(r.errors);
      setShowProblems(true);
      if (r.valid) toast.success("The pipeline is valid");
      else toast.error(`${r.errors.length} problem${r.errors.length === 1 ? "" : "s"} found`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const clone = async () => {
    const s = useCanvasStore.getState();
    if (!s.pipelineId) return;
    const name = `${s.meta.name}-copy`;
    try {
      // Unsaved edits are cloned as they are on screen: the clone is what the user sees.
      const edited = s.rev !== s.savedRev && !s.readOnly;
      const created = edited
        ? await createPipeline({
            name,
            description: s.meta.description,
            document: { ...s.toDocument(), name },
            message: `Cloned from ${s.meta.name} v${s.version ?? "?"} with unsaved edits`,
          })
        : await clonePipeline(s.pipelineId, { name, ...(s.version ? { version: s.version } : {}) });
      // The edits now live in the clone: leaving this pipeline loses nothing.
      if (edited) useCanvasStore.getState().markSaved();
      toast.success(`Cloned as ${created.name}`);
      navigate(`/pipelines/${created.id}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const openVersion = async (n: number) => {
    if (!pipelineId) return;
    const s = useCanvasStore.getState();
    if (s.rev !== s.savedRev && !window.confirm("Discard unsaved changes and open another version?")) return;
    try {
      const v = await fetchVersion(pipelineId, n);
      await loadDocument(v.document, { pipelineId, version: n, readOnly: n !== latest });
      if (!v.is_valid && v.errors?.length) useCanvasStore.getState().setValidation(v.errors);
      refit();
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const restore = async () => {
    const s = useCanvasStore.getState();
    if (!s.pipelineId || s.version === null) return;
    setBusy(true);
    try {
      const restored = s.version;
      const v = await saveVersion(s.pipelineId, { document: s.toDocument(), message: `Restore version ${restored}` });
      await loadDocument(useCanvasStore.getState().toDocument(), { pipelineId: s.pipelineId, version: v.number, readOnly: false });
      setLatest(v.number);
      toast.success(`Version ${restored} restored as version ${v.number}`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (inputs: Record<string, Primitive>, message?: string) => {
    const s = useCanvasStore.getState();
    if (!s.pipelineId || s.version === null) return;
    setBusy(true);
    try {
      let version = s.version;
      if (s.rev !== s.savedRev) {
        // Submit saves too: the edits become a new version, and that version runs.
        const v = await saveVersion(s.pipelineId, { document: s.toDocument(), message: message?.trim() || "Saved to submit" });
        useCanvasStore.getState().markSaved({ version: v.number });
        setLatest(v.number);
        version = v.number;
        if (!v.is_valid) {
          useCanvasStore.getState().setValidation(v.errors);
          setShowProblems(true);
          toast.error(`Saved version ${v.number}, but it has problems: fix them to submit`);
          setDialog(null);
          return;
        }
      }
      const run = await submitRun({ pipeline: s.pipelineId, version, inputs, settings: {} });
      setDialog(null);
      navigate(`/runs/${run.id}`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (load.status === "error") {
    return (
      <div className="page">
        <div className="card empty">
          <h2>Cannot open this pipeline</h2>
          <p>{load.message}</p>
          <button className="btn" onClick={() => navigate("/pipelines")}>
            Back to pipelines
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="designer">
      <DesignerToolbar
        pipelineId={pipelineId}
        latestVersion={latest}
        busy={busy}
        onSave={openSave}
        onValidate={validate}
        onSubmit={() => setDialog("submit")}
        onClone={clone}
        onOpenVersion={openVersion}
      />
      {readOnly && (
        <div className="readonly-banner" data-testid="readonly-banner">
          Viewing version {version} (read-only).
          <button className="btn btn-sm btn-primary" onClick={restore} disabled={busy} data-testid="btn-restore">
            Restore as new version
          </button>
          {latest !== null && (
            <button className="btn btn-sm" onClick={() => openVersion(latest)}>
              Back to latest (v{latest})
            </button>
          )}
        </div>
      )}
      <div className={`designer-body${panels.palette ? "" : " no-palette"}${panels.properties ? "" : " no-properties"}`}>
        {panels.palette && <Palette />}
        <div className="designer-center">
          <button
            className="panel-toggle left"
            onClick={() => togglePanel("palette")}
            data-testid="toggle-palette"
            title={panels.palette ? "Hide the components" : "Show the components"}
            aria-expanded={panels.palette}
          >
            {panels.palette ? "‹" : "›"}
          </button>
          <button
            className="panel-toggle right"
            onClick={() => togglePanel("properties")}
            data-testid="toggle-properties"
            title={panels.properties ? "Hide the properties" : "Show the properties"}
            aria-expanded={panels.properties}
          >
            {panels.properties ? "›" : "‹"}
          </button>
          {load.status === "loading" ? <div className="canvas-loading">Loading pipeline…</div> : <Canvas />}
          {showProblems && <ValidationPanel onClose={() => setShowProblems(false)} />}
        </div>
        {panels.properties && <PropertiesPanel />}
      </div>
      {dialog === "save" && <SaveDialog isNew={!pipelineId} busy={busy} onSave={save} onClose={() => setDialog(null)} />}
      {dialog === "submit" && (
        <SubmitDialog
          inputs={useCanvasStore.getState().meta.inputs}
          version={version}
          busy={busy}
          onSubmit={submit}
          onClose={() => setDialog(null)}
          initial={fromRun?.inputs}
          saveFirst={dirty}
          note={fromRun ? <ReuseNote run={fromRun} node={focusNode} /> : null}
        />
      )}
      {blocker.state === "blocked" && (
        <Dialog
          title="Leave without saving?"
          onClose={() => blocker.reset()}
          testId="leave-dialog"
          footer={
            <>
              <button className="btn" onClick={() => blocker.reset()}>
                Stay
              </button>
              <button className="btn btn-danger" onClick={() => blocker.proceed()} data-testid="btn-leave">
                Discard changes
              </button>
            </>
          }
        >
          <p>This pipeline has unsaved changes. They will be lost.</p>
        </Dialog>
      )}
    </div>
  );
}

export function DesignerPage() {
  return (
    <ReactFlowProvider>
      <DesignerInner />
    </ReactFlowProvider>
  );
}
