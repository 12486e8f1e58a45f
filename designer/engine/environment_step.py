"""Preparing a step's environment as a visible phase of the step (log lines, live view)."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from designer.engine.models import StepRun
from designer.engine.monitor import StepMonitor
from designer.environments.build import environment_prepare
from designer.environments.prepared import PreparedEnvironment
from designer.environments.services import build_config, component_environment
from designer.environments.spec import EnvironmentProblem, EnvironmentSpec

PREPARING = "Preparing environment"
READY = "environment ready"


class _BuildLog:
    """Writes `[conveyor]` lines to the step log and relays them live; idle until used.

    An environment that is already built logs nothing, so a step pays no extra write.
    """

    def __init__(self, step: StepRun, log_path: Path) -> None:
        self.step = step
        self.log_path = log_path
        self.monitor: StepMonitor | None = None

    def __call__(self, text: str) -> None:
        if self.monitor is None:
            self.monitor = StepMonitor(self.step)
            self.monitor.start()
            self._write(f"{PREPARING}: {text}")
            return
        self._write(text)

    def _write(self, text: str) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"[conveyor] {text}\n".encode("utf-8", "replace"))
        assert self.monitor is not None
        self.monitor.line("conveyor", text)

    def close(self, *, ready: bool) -> None:
        """End the phase; `ready` says so in the log (the run page's node shows it)."""
        if self.monitor is None:
            return
        if ready:
            self._write(READY)
        self.monitor.stop()


def step_environment(
    *, step: StepRun, value: Any, component: str, log_path: Path
) -> PreparedEnvironment | None:
    """The environment the step runs in, built on this host first if needed.

    step: the claimed step run. value: its component's `environment`.
    component: `name@version`, for messages. log_path: the attempt's step log.
    Returns None when CONVEYOR_STEP_ENVIRONMENTS is off (the server's Python).
    Raises EnvironmentProblem (the step fails with its message).
    """
    if not settings.STEP_ENVIRONMENTS:
        return None
    where = f"node '{step.node_id}' (component {component})"
    log = _BuildLog(step, log_path)
    ready = False
    try:
        spec = _cached_resolve(value, where)
        try:
            prepared = environment_prepare(spec, build_config(), log=log)
        except EnvironmentProblem as exc:
            raise EnvironmentProblem(f"{where}: {exc}") from None
        ready = True
        return prepared
    finally:
        log.close(ready=ready)


def _cached_resolve(value: Any, where: str) -> EnvironmentSpec:
    """Resolution is cached for a few seconds (registered `@latest` names may change)."""
    try:
        key = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return component_environment(value, where=where)
    return _resolve(key, where, int(time.monotonic() // 10))


@lru_cache(maxsize=512)
def _resolve(key: str, where: str, _epoch: int) -> EnvironmentSpec:
    return component_environment(json.loads(key), where=where)
