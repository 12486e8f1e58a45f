"""The step runtime's side of warm starts: when a step may be forked from a zygote."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from django.conf import settings

from designer.engine.artifacts import StepDirs
from designer.engine.sandbox import Identity, Limits, PoolPolicy
from designer.engine.zygote import Launch, WarmStep, preload_modules, site_packages, warm_launcher
from designer.environments.prepared import PreparedEnvironment


def warm_or_cold(
    command: str,
    *,
    dirs: StepDirs,
    who: Identity,
    base: Identity,
    policy: PoolPolicy,
    limits: Limits,
    environment: PreparedEnvironment | None,
    keep: tuple[Path, ...],
    etc_dir: Callable[[Identity, bool], Path],
    inputs: Sequence[Path],
    env: Mapping[str, str],
    dispatched: float,
) -> Launch:
    """The warm launch of a step, or a cold one saying why.

    command: the rendered command (without the limits prefix). dirs, who, policy, limits,
    environment, inputs: as the cold sandbox gets them. base: the configured step identity
    (the zygote's /etc is made for it). keep: the environment's read-only paths. etc_dir:
    the runtime's generated /etc for an identity and network setting. env: the step's
    environment variables. dispatched:
    time.monotonic() when the runtime got the step.
    """
    if not settings.WARM_START_POOLS.get(policy.name, settings.WARM_STARTS):
        return Launch(None, "cold start")
    if policy.devices:
        return Launch(None, "cold start: pools with devices start cold")
    if not who.privileged:  # Said before any work: such a server never starts one warm.
        return Launch(None, "cold start: warm starts need a server running as root")
    root = environment.root if environment is not None else Path(sys.prefix)
    override = settings.ZYGOTE_PRELOAD.get(environment.hash if environment else "server")
    if override is None:
        override = settings.ZYGOTE_PRELOAD.get("default")
    modules = _preload(str(root), None if override is None else tuple(override))
    python = environment.python if environment is not None else Path(sys.executable)
    step = WarmStep(
        command=command,
        python=python,
        keep=keep,
        etc_dir=etc_dir(who, policy.network),
        zygote_etc_dir=etc_dir(base, policy.network),
        network=policy.network,
        read_only=(dirs.work, *inputs),
        read_write=(dirs.outputs, dirs.home, dirs.tmp),
        work_dir=dirs.work,
        who=who,
        limits=limits,
        tmpfs_mb=settings.STEP_TMPFS_MB,
        modules=modules,
        env=env,
    )
    runtime_dir = Path(settings.CONVEYOR_HOME) / "runtime"
    return warm_launcher(
        step,
        runtime_dir=runtime_dir,
        bwrap=settings.SANDBOX_BWRAP,
        limits=settings.ZYGOTE_LIMITS,
        dispatched=dispatched,
    )


@functools.lru_cache(maxsize=64)
def _preload(root: str, override: tuple[str, ...] | None) -> tuple[str, ...]:
    """The preload list of an environment folder, scanned once per process (a built
    environment never changes; its folder is named by its content hash), not per step."""
    return tuple(preload_modules(site_packages(Path(root)), override))
