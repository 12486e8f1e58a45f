"""`step_execute`: what a worker does with one step run (claim, lay out, run, record)."""

from __future__ import annotations

import logging
import os
import queue
import shutil
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from designer.datastores.services import DataRefused, step_input_paths
from designer.engine.artifacts import (
    ArtifactStore,
    MissingOutputError,
    StepDirs,
    UnsafeOutputError,
    digest_output,
    ingest_output,
)
from designer.engine.dbretry import db_retry
from designer.engine.environment_step import step_environment
from designer.engine.mlflow_runs import MLFLOW_OUTPUT, mlflow_record, mlflow_variables
from designer.engine.models import Run, Status, StepRun
from designer.engine.monitor import StepMonitor
from designer.engine.persistence import steps_select
from designer.engine.plan import RunPlan, artifact_store, node_timeout, run_plan
from designer.engine.runner import StepResult
from designer.engine.runtime import SandboxUnavailable, step_identity, step_run
from designer.engine.scheduler import advance_locked
from designer.engine.state import (
    run_journal,
    step_output_events,
    step_transition,
)
from designer.environments.prepared import PreparedEnvironment
from designer.environments.spec import EnvironmentProblem
from designer.registry.command import CommandRenderError, render_command
from designer.registry.models import ComponentVersion
from designer.registry.types import ComponentSpec

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: str
    error: str = ""
    exit_code: int | None = None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    start: dict[str, Any] = field(default_factory=dict)  # StepRun.start


def worker_id() -> str:
    """host:pid:thread of the calling worker thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


_STEP_FIELDS = (
    "id",
    "run_id",
    "node_id",
    "status",
    "attempt",
    "queue",
    "params",
    "inputs",
    "reused",
    "reused_from_id",
    "reason",
    "error",
    "exit_code",
    "worker_id",
)


def step_execute(*, step_run_id: int) -> None:
    """Claim a queued step, run it as a subprocess, record the result, advance its run.

    step_run_id: the StepRun; a step that is not Queued (a duplicate delivery, a canceled
    run) is left alone.
    """
    found = steps_select(_STEP_FIELDS, '"id" = %s AND "status" = %s', [step_run_id, Status.QUEUED])
    if not found:
        return
    step = found[0]
    store = artifact_store()
    log_path = store.relative(
        store.step_dirs(str(step.run_id), step.node_id, step.attempt).log_path
    )
    claimed, created_at = _claim(step, log_path)
    if not claimed:
        return
    # Claimed: from here a database outage is waited out (the claim is ours), never
    # turned into a failure of the step.
    plan = db_retry(lambda: run_plan(step.run_id, created_at), what=f"planning step {step.pk}")
    db_retry(lambda: _code_path(plan.components[step.node_id]["id"]), what="reading its code")
    spec = plan.specs[step.node_id]
    dirs = store.make_step_dirs(
        str(step.run_id), step.node_id, step.attempt, {n: p.type for n, p in spec.outputs.items()}
    )
    # Its last log lines are written with the finish, in the same transaction.
    monitor = StepMonitor(step)
    try:
        environment = step_environment(
            step=step, value=spec.environment, component=spec.ref, log_path=dirs.log_path
        )
        outcome = _execute(plan, step, spec, store, dirs, monitor, environment=environment)
    except EnvironmentProblem as exc:  # Unresolvable or failed to build: the step fails.
        outcome = Outcome(Status.FAILED, error=str(exc))
    except (OperationalError, InterfaceError) as exc:
        # The database went away under the engine, not the step: try the step again.
        monitor.flush_last()
        _retry_after_db_error(step, exc)
        _CLEANER.put(store, dirs)
        return
    except Exception as exc:  # An engine fault must end the step, never leave it Running.
        outcome = _engine_error(step, dirs, exc)
    try:
        # The exit code and outputs are what count: a lost connection is reconnected and
        # the recording retried (conditional on this attempt, so a commit whose answer
        # was lost is not applied twice).
        db_retry(lambda: _finish(step, outcome, monitor), what=f"recording step {step.pk}")
    finally:
        # After the finish, in the background: the next steps are already queued, and
        # their start (claim, folders, spawn) should not compete with this removal.
        _CLEANER.put(store, dirs)


class _ScratchCleaner:
    """One daemon thread per process that removes finished attempts' scratch folders.

    It waits `DELAY` seconds after a removal is handed over, so it runs while the next
    step's subprocess does, not while that step is being claimed and laid out.
    """

    DELAY = 0.005

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[ArtifactStore, StepDirs] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def put(self, store: ArtifactStore, dirs: StepDirs) -> None:
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="conveyor-scratch-cleaner", daemon=True
                )
                self._thread.start()
        self._queue.put((store, dirs))

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every handed-over removal is done (False on timeout)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            time.sleep(self.DELAY)
            store, dirs = item
            try:
                store.clean_scratch(dirs)
            except Exception:
                logger.exception("removing the scratch folders of %s failed", dirs.base)
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()


_CLEANER = _ScratchCleaner()


def scratch_drain(timeout: float = 30.0) -> bool:
    """Wait for the background removal of finished attempts' scratch folders."""
    return _CLEANER.drain(timeout)


def _claim(step: StepRun, log_path: str) -> tuple[bool, datetime | None]:
    """Queued -> Running for this worker; (claimed, the run's created_at)."""
    now = timezone.now()
    with run_journal(step.run_id) as journal:
        if journal.cancel_requested:
            return False, None  # run_advance cancels it.
        claimed = step_transition(
            journal,
            step,
            from_=Status.QUEUED,
            to=Status.RUNNING,
            worker_id=worker_id(),
            heartbeat_at=now,
            started_at=now,
            log_path=log_path,
        )
        return claimed, journal.created_at


def _execute(
    plan: RunPlan,
    step: StepRun,
    spec: ComponentSpec,
    store: ArtifactStore,
    dirs: StepDirs,
    monitor: StepMonitor,
    *,
    environment: PreparedEnvironment | None = None,
) -> Outcome:
    _copy_code(plan.components[step.node_id]["id"], dirs.work)
    outputs = {
        name: store.output_path(
            str(plan.run_id), step.node_id, step.attempt, name, port_type=port.type
        )
        for name, port in spec.outputs.items()
    }
    port_types = {name: port.type for name, port in spec.inputs.items()}
    try:
        paths = step_input_paths(step.inputs, user_id=plan.user_id, port_types=port_types)
    except DataRefused as exc:
        return Outcome(Status.FAILED, error=f"node '{step.node_id}': {exc}")
    values = {**step.params, **paths}
    try:
        command = render_command(
            spec.command, inputs=values, outputs={k: str(v) for k, v in outputs.items()}
        )
    except CommandRenderError as exc:
        return Outcome(Status.FAILED, error=f"node '{step.node_id}': {exc}")
    timeout = node_timeout(plan.nodes[step.node_id])
    mlflow_dir = None
    if environment is not None and MLFLOW_OUTPUT not in spec.outputs:
        mlflow_dir = dirs.outputs / MLFLOW_OUTPUT  # a file tracking store, read back after
        variables = {**environment.variables, **mlflow_variables(mlflow_dir, cwd=dirs.work)}
        environment = replace(environment, variables=variables)
    monitor.start()
    node_settings = plan.nodes[step.node_id].get("settings") or {}
    try:
        result = step_run(
            command,
            dirs=dirs,
            pool=step.queue,
            inputs=[Path(path) for path in paths.values() if path],
            environment=environment,
            limits=node_settings.get("limits") if isinstance(node_settings, dict) else None,
            unsandboxed_ok=lambda: _unsandboxed_allowed(plan.run_id),
            variables=_variables(plan.run_id, step, dirs),
            timeout=timeout,
            should_cancel=monitor.cancel,
            on_line=monitor.line,
            on_start=monitor.started,
            log_cap=settings.ENGINE_LOG_CAP,
            kill_grace=settings.ENGINE_KILL_GRACE,
        )
    except SandboxUnavailable as exc:
        return Outcome(Status.FAILED, error=f"node '{step.node_id}': {exc}")
    finally:
        monitor.stop(flush=False)
    outcome = _outcome(step, spec, store, outputs, result, timeout)
    return replace(_with_mlflow(step, store, outcome, mlflow_dir), start=result.start)


def _with_mlflow(
    step: StepRun, store: ArtifactStore, outcome: Outcome, folder: Path | None
) -> Outcome:
    """What the step logged to mlflow, as its `mlflow` output (docs/azureml-compatibility.md)."""
    if folder is None or outcome.status != Status.COMPLETED:
        return outcome
    owner = (os.geteuid(), os.getegid()) if step_identity().privileged else None
    try:
        recorded = mlflow_record(folder, owner=owner)
    except UnsafeOutputError as exc:
        error = f"node '{step.node_id}' mlflow store: {exc}; the step failed"
        return Outcome(Status.FAILED, error=error, exit_code=0)
    if recorded is None:
        return outcome
    entry = {"path": store.relative(folder), **recorded}
    return replace(outcome, outputs={**outcome.outputs, MLFLOW_OUTPUT: entry})


def _unsandboxed_allowed(run_id: int) -> bool:
    """With no sandbox, only staff runs go ahead, unless an admin opted out for all."""
    if settings.ALLOW_UNSANDBOXED:
        return True
    return Run.objects.filter(pk=run_id, user__is_staff=True).exists()


@lru_cache(maxsize=1024)
def _code_path(version_id: int) -> str:
    """A component version's stored code folder ("" for none); versions never change."""
    return ComponentVersion.objects.values_list("code_path", flat=True).get(pk=version_id)


def _copy_code(version_id: int, work: Path) -> None:
    code_path = _code_path(version_id)
    if code_path:
        shutil.copytree(Path(settings.STORE_DIR) / code_path, work, dirs_exist_ok=True)


def _variables(run_id: int, step: StepRun, dirs: StepDirs) -> dict[str, str]:
    return {
        "CONVEYOR_RUN_ID": str(run_id),
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
        return Outcome(Status.CANCELED, error=_canceled_reason(result), exit_code=result.exit_code)
    if result.timed_out:
        error = f"node '{step.node_id}' timed out after {timeout:g} s"
        return Outcome(Status.FAILED, error=error, exit_code=result.exit_code)
    if result.exit_code != 0:
        error = f"node '{step.node_id}' exited with code {result.exit_code}"
        if result.stderr_tail:
            error += f"; last lines of stderr:\n{result.stderr_tail}"
        return Outcome(Status.FAILED, error=error, exit_code=result.exit_code)
    recorded = {}
    owner = (os.geteuid(), os.getegid()) if step_identity().privileged else None
    for name, path in outputs.items():
        port_type = spec.outputs[name].type
        try:
            ingest_output(path.parent if port_type == "uri_file" else path, owner=owner)
            digest = digest_output(path, port_type)
        except UnsafeOutputError as exc:
            error = f"node '{step.node_id}' output '{name}': {exc}; the step failed"
            return Outcome(Status.FAILED, error=error, exit_code=0)
        except (MissingOutputError, ValueError) as exc:
            error = f"node '{step.node_id}' output '{name}' ({port_type}): {exc}"
            return Outcome(Status.FAILED, error=error, exit_code=0)
        recorded[name] = {"path": store.relative(path), "type": port_type, **digest.as_dict()}
    return Outcome(Status.COMPLETED, exit_code=0, outputs=recorded)


def _canceled_reason(result: StepResult) -> str:
    """Why a step stopped by a cancel is Canceled, whatever its exit code."""
    reason = "canceled: the run was canceled while the step ran; it was sent SIGTERM"
    if result.exit_code == 0:
        return reason + (
            " and exited with code 0 afterwards, so its outputs may be incomplete and were"
            " not recorded"
        )
    if result.exit_code < 0:
        return reason + f" and was stopped by signal {-result.exit_code}"
    return reason + f" and exited with code {result.exit_code}"


def _retry_after_db_error(step: StepRun, exc: Exception) -> None:
    """Re-queue the step (attempt + 1, within the retry limit) once the database is back."""
    from designer.engine.recovery import step_recover

    logger.warning(
        "run %s step %s (%s): database error while it ran (%s); retrying it",
        step.run_id,
        step.pk,
        step.node_id,
        exc,
    )
    why = f"the database was unreachable while it ran ({type(exc).__name__})"
    db_retry(lambda: step_recover(step=step, why=why), what=f"re-queueing step {step.pk}")


def _engine_error(step: StepRun, dirs: StepDirs, exc: Exception) -> Outcome:
    """An engine fault fails the step; its traceback goes to the step log and the log."""
    logger.exception("run %s step %s (%s): engine error", step.run_id, step.pk, step.node_id)
    trace = "".join(traceback.format_exception(exc))
    try:
        with open(dirs.log_path, "a", encoding="utf-8") as log:
            log.write(f"\n[conveyor] engine error; the step failed:\n{trace}")
    except OSError:
        logger.warning("could not write the engine error to %s", dirs.log_path)
    return Outcome(Status.FAILED, error=f"engine error: {type(exc).__name__}: {exc}")


def _finish(step: StepRun, outcome: Outcome, monitor: StepMonitor | None = None) -> None:
    """Record the outcome and advance the run, in one transaction under the run lock.

    A completion advances only the step's downstreams; any other end (or a canceled run)
    takes a full advance, which applies continue_on_step_failure to the whole run.
    monitor: the step's stopped monitor; its last log lines are journaled first.
    """
    with run_journal(step.run_id) as journal:
        if monitor is not None:
            monitor.append_last_lines(journal)
        done = step_transition(
            journal,
            step,
            from_=Status.RUNNING,
            to=outcome.status,
            match={"attempt": step.attempt, "worker_id": step.worker_id},
            ended_at=timezone.now(),
            exit_code=outcome.exit_code,
            error=outcome.error,
            outputs=outcome.outputs,
            start=outcome.start,
        )
        if not done:
            return  # Taken away (reaped or canceled): whoever did that advances the run.
        step_output_events(journal, step)
        if outcome.status == Status.COMPLETED:
            advance_locked(journal, completed=step.node_id, outputs=outcome.outputs)
        else:
            advance_locked(journal)
