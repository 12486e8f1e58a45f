"""`step_execute`: what a worker does with one step run (claim, lay out, run, record)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from designer.engine.artifacts import ArtifactStore, MissingOutputError, StepDirs, digest_output
from designer.engine.models import Run, Status, StepRun
from designer.engine.monitor import StepMonitor
from designer.engine.plan import artifact_store, component_spec, node_timeout, run_graph
from designer.engine.runner import StepResult, run_step
from designer.engine.scheduler import run_advance
from designer.engine.state import run_journal, step_output_events, step_transition
from designer.registry.command import CommandRenderError, render_command
from designer.registry.models import ComponentVersion
from designer.registry.types import ComponentSpec


@dataclass
class Outcome:
    status: str
    error: str = ""
    exit_code: int | None = None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


def worker_id() -> str:
    """host:pid:thread of the calling worker thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def step_execute(*, step_run_id: int) -> None:
    """Claim a queued step, run it as a subprocess, record the result, advance its run.

    step_run_id: the StepRun; a step that is not Queued (a duplicate delivery, a canceled
    run) is left alone.
    """
    step = StepRun.objects.filter(pk=step_run_id, status=Status.QUEUED).first()
    if step is None or not _claim(step):
        return
    run = Run.objects.get(pk=step.run_id)
    store = artifact_store()
    spec = component_spec(run.components[step.node_id])
    dirs = store.make_step_dirs(
        str(run.pk), step.node_id, step.attempt, {n: p.type for n, p in spec.outputs.items()}
    )
    StepRun.objects.filter(pk=step.pk).update(log_path=store.relative(dirs.log_path))
    try:
        outcome = _execute(run, step, spec, store, dirs)
    except Exception as exc:  # An engine fault must end the step, never leave it Running.
        outcome = Outcome(Status.FAILED, error=f"engine error: {type(exc).__name__}: {exc}")
    finally:
        store.clean_scratch(dirs)
    _finish(step, outcome)
    run_advance(run_id=step.run_id)


def _claim(step: StepRun) -> bool:
    now = timezone.now()
    with run_journal(step.run_id) as journal:
        if Run.objects.filter(pk=step.run_id, cancel_requested=True).exists():
            return False  # run_advance cancels it.
        return step_transition(
            journal,
            step,
            to=Status.RUNNING,
            allowed_from=[Status.QUEUED],
            worker_id=worker_id(),
            heartbeat_at=now,
            started_at=now,
        )


def _execute(
    run: Run, step: StepRun, spec: ComponentSpec, store: ArtifactStore, dirs: StepDirs
) -> Outcome:
    _copy_code(run.components[step.node_id]["id"], dirs.work)
    outputs = {
        name: store.output_path(str(run.pk), step.node_id, step.attempt, name, port_type=port.type)
        for name, port in spec.outputs.items()
    }
    values = {**step.params, **{name: data["path"] for name, data in step.inputs.items()}}
    try:
        command = render_command(
            spec.command, inputs=values, outputs={k: str(v) for k, v in outputs.items()}
        )
    except CommandRenderError as exc:
        return Outcome(Status.FAILED, error=f"node '{step.node_id}': {exc}")
    timeout = node_timeout(run_graph(run).nodes[step.node_id])
    monitor = StepMonitor(step)
    monitor.start()
    try:
        result = run_step(
            command,
            work_dir=dirs.work,
            home=dirs.home,
            tmp_dir=dirs.tmp,
            log_path=dirs.log_path,
            variables=_variables(run, step, dirs),
            timeout=timeout,
            should_cancel=monitor.cancel,
            on_line=monitor.line,
            on_start=monitor.started,
            log_cap=settings.ENGINE_LOG_CAP,
            kill_grace=settings.ENGINE_KILL_GRACE,
        )
    finally:
        monitor.stop()
    return _outcome(step, spec, store, outputs, result, timeout)


def _copy_code(version_id: int, work: Path) -> None:
    code_path = ComponentVersion.objects.values_list("code_path", flat=True).get(pk=version_id)
    if code_path:
        shutil.copytree(Path(settings.STORE_DIR) / code_path, work, dirs_exist_ok=True)


def _variables(run: Run, step: StepRun, dirs: StepDirs) -> dict[str, str]:
    return {
        "CONVEYOR_RUN_ID": str(run.pk),
        "CONVEYOR_STEP_ID": str(step.pk),
        "CONVEYOR_NODE_ID": step.node_id,
        "CONVEYOR_ATTEMPT": str(step.attempt),
        "CONVEYOR_WORK_DIR": str(dirs.work),
        "CONVEYOR_OUTPUTS_DIR": str(dirs.outputs),
    }


def _outcome(
    step: StepRun,
    spec: ComponentSpec,
    store: ArtifactStore,
    outputs: dict[str, Path],
    result: StepResult,
    timeout: float,
) -> Outcome:
    if result.canceled:
        return Outcome(Status.CANCELED, error="canceled", exit_code=result.exit_code)
    if result.timed_out:
        error = f"node '{step.node_id}' timed out after {timeout:g} s"
        return Outcome(Status.FAILED, error=error, exit_code=result.exit_code)
    if result.exit_code != 0:
        error = f"node '{step.node_id}' exited with code {result.exit_code}"
        if result.stderr_tail:
            error += f"; last lines of stderr:\n{result.stderr_tail}"
        return Outcome(Status.FAILED, error=error, exit_code=result.exit_code)
    recorded = {}
    for name, path in outputs.items():
        port_type = spec.outputs[name].type
        try:
            digest = digest_output(path, port_type)
        except (MissingOutputError, ValueError) as exc:
            error = f"node '{step.node_id}' output '{name}' ({port_type}): {exc}"
            return Outcome(Status.FAILED, error=error, exit_code=0)
        recorded[name] = {"path": store.relative(path), "type": port_type, **digest.as_dict()}
    return Outcome(Status.COMPLETED, exit_code=0, outputs=recorded)


def _finish(step: StepRun, outcome: Outcome) -> None:
    with run_journal(step.run_id) as journal:
        done = step_transition(
            journal,
            step,
            to=outcome.status,
            allowed_from=[Status.RUNNING],
            match={"attempt": step.attempt, "worker_id": step.worker_id},
            ended_at=timezone.now(),
            exit_code=outcome.exit_code,
            error=outcome.error,
            outputs=outcome.outputs,
        )
        if done:
            step_output_events(journal, step)
