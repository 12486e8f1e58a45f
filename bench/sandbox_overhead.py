"""What the step sandbox costs per step (embedded mode, SQLite, in-process broker).

python bench/sandbox_overhead.py [--repeat 5] [--launches 40]

1. Launches alone: `bash -c "python -c pass"` started directly and started through the
   sandbox's bwrap command line (same environment, limits line included), medians.
   Under root also: the same launch in a standby sandbox made beforehand (what is left on
   a step's critical path when its sandbox is ready: the hand-over, the helper's mounts,
   bash and the namespace teardown).
2. chain-50 through the engine with the sandbox on and off (off: bwrap pointed at a
   missing path with CONVEYOR_ALLOW_UNSANDBOXED, the staff path), both against the same
   `python -c pass` floor; under root also with standby sandboxes off (every step
   started by its own bwrap) and with setpriv. Cases alternate so that load from other
   processes on the machine hits both alike; medians and bests of --repeat runs (on a
   shared machine the best is the steadier estimate of the cost itself), and the CPU time
   per step of the engine and every step process (the steadiest figure).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOME = tempfile.mkdtemp(prefix="conveyor-bench-")
os.environ.update(CONVEYOR_HOME=HOME, CONVEYOR_LOG_LEVEL="WARNING")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CONVEYOR_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.common import COMPONENTS, chain, floor_seconds, report  # noqa: E402
from bench.engine_embedded import Finished, timed  # noqa: E402
from designer.engine.artifacts import ArtifactStore  # noqa: E402
from designer.engine.runtime import (  # noqa: E402
    _standby_key,
    pool_policy,
    sandbox_status,
    step_drop,
    step_identity,
)
from designer.engine.sandbox import (  # noqa: E402
    Identity,
    Mounts,
    bind_plan,
    bwrap_argv,
    etc_write,
    network_namespace_entered,
    network_namespace_new,
)
from designer.engine.standby import NetworkLease  # noqa: E402
from designer.engine.standby import spawn as standby_spawn  # noqa: E402
from designer.engine.worker import embedded_worker_start, embedded_worker_stop  # noqa: E402
from designer.pipelines.services import pipeline_create  # noqa: E402
from designer.registry.services import component_register_file  # noqa: E402

COMMAND = "python -c pass"


def launches(
    launcher: list[str],
    count: int,
    env: dict[str, str],
    command: str,
    netns: int | None = None,
    pass_fds: tuple[int, ...] = (),
) -> tuple[float, float]:
    """Median wall seconds of `launcher + bash -c COMMAND`, and the CPU seconds (user +
    system) its processes used per launch: on a loaded machine the wall time mostly
    measures waiting for a CPU, which hits the sandbox's extra processes more."""
    times = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(count):
        started = time.perf_counter()
        with network_namespace_entered(netns) if netns is not None else nullcontext():
            subprocess.run(
                [*launcher, "/bin/bash", "-c", command], env=env, check=True, pass_fds=pass_fds
            )
        times.append(time.perf_counter() - started)
        reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return statistics.median(times), cpu / count


def standby_launches(
    count: int, env: dict[str, str], command: str, mounts: Mounts, who: Identity
) -> tuple[float, float]:
    """As `launches`, in a standby sandbox made (and given 50 ms to get ready) before the
    clock starts; the CPU figure includes making it."""
    key = _standby_key(pool_policy("cpu"), mounts)
    drop = step_drop(who)
    assert key is not None and drop is not None
    times = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(count):
        standby = standby_spawn(key, drop, NetworkLease(None, lambda _lease: None))
        time.sleep(0.05)
        started = time.perf_counter()
        proc = standby.start(
            ["/bin/bash", "-c", command], cwd=mounts.work_dir, env=env,
            etc_dir=mounts.etc_dir, binds=bind_plan(mounts)[1], who=who,
        )  # fmt: skip
        proc.communicate()
        times.append(time.perf_counter() - started)
        assert proc.returncode == 0
        reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return statistics.median(times), cpu / count


def subreaper() -> None:
    """Become the child subreaper: bwrap's namespace init is not waited for by bwrap, so
    without this its CPU time would not reach RUSAGE_CHILDREN."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def cpu_seconds() -> float:
    """User + system CPU of this process and of its waited-for children so far."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def reap_orphans(within: float = 1.0) -> None:
    """Wait for every orphan reparented here (their CPU time then counts)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def launch_costs(count: int) -> None:
    store = ArtifactStore(Path(HOME) / "launch")
    dirs = store.make_step_dirs("1", "n", 1, {"out": "uri_folder"})
    who = step_identity()
    if who.privileged:
        for folder in (dirs.outputs, dirs.home, dirs.tmp):
            os.chown(folder, who.uid, who.gid)
    etc = Path(HOME) / "etc"
    etc_write(etc, who, network=False)
    prefixes = {sys.prefix, sys.base_prefix}
    mounts = Mounts(
        read_only=(dirs.work, *(Path(p) for p in sorted(prefixes))),
        read_write=(dirs.outputs, dirs.home, dirs.tmp),
        etc_dir=etc,
        work_dir=dirs.work,
    )
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(dirs.home)}
    # As the runtime starts a step: under root in a pooled network namespace (see
    # runtime._NetSlots), else bwrap makes one per step.
    netns = network_namespace_new() if who.privileged else None
    drop = step_drop(who)
    fds = (drop.fd,) if drop is not None else ()
    sandbox = bwrap_argv(
        settings.SANDBOX_BWRAP, mounts, who, own_network=netns is not None, drop=drop
    )
    fresh = bwrap_argv(settings.SANDBOX_BWRAP, mounts, who, drop=drop)
    setpriv = bwrap_argv(settings.SANDBOX_BWRAP, mounts, who, own_network=netns is not None)
    subreaper()
    for command in ("true", COMMAND):
        direct, boxed, boxed_fresh, boxed_setpriv, standby = [], [], [], [], []
        for _ in range(3):  # Alternate, so that machine load hits both alike.
            direct.append(launches([], count // 3, env, command))
            boxed.append(launches(sandbox, count // 3, env, command, netns, fds))
            if drop is not None:
                standby.append(standby_launches(count // 3, env, command, mounts, who))
            if netns is not None:
                boxed_fresh.append(launches(fresh, count // 3, env, command, None, fds))
            if drop is not None:
                boxed_setpriv.append(launches(setpriv, count // 3, env, command, netns))
        rows = [(f"launch: bash -c {command}", direct), ("  the same in the sandbox", boxed)]
        if standby:
            rows.append(("  ...in a standby made beforehand", standby))
        if boxed_fresh:
            rows.append(("  ...with a new netns per launch", boxed_fresh))
        if boxed_setpriv:
            rows.append(("  ...with setpriv, not step-drop", boxed_setpriv))
        plain = statistics.median(w for w, _ in direct)
        plain_cpu = statistics.median(c for _, c in direct)
        for label, runs in rows:
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"{label:<42} {wall * 1000:9.2f} ms wall  {cpu * 1000:7.2f} ms CPU")
            if runs is not direct:
                cost = (
                    f"{(wall - plain) * 1000:9.2f} ms wall  {(cpu - plain_cpu) * 1000:7.2f} ms CPU"
                )
                print(f"{'    sandbox cost per launch':<42} {cost}")


DROP = settings.STEP_DROP


STANDBY_COUNT = settings.STANDBY_SANDBOXES


def sandbox_switch(on: bool, drop: str = DROP, standbys: int = STANDBY_COUNT) -> None:
    settings.SANDBOX_BWRAP = "/usr/bin/bwrap" if on else "/nonexistent/bwrap"
    settings.ALLOW_UNSANDBOXED = not on
    settings.STEP_DROP = drop
    settings.STANDBY_SANDBOXES = standbys
    assert sandbox_status(refresh=True).available is on


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case (medians)")
    parser.add_argument("--launches", type=int, default=60, help="launches for part 1")
    parser.add_argument("--launches-only", action="store_true", help="part 1 only")
    args = parser.parse_args()
    status = sandbox_status()
    if not status.available:
        sys.exit(f"the sandbox cannot start here: {status.reason}")
    print(f"sandbox: {status.mode}; {os.cpu_count()} CPUs")
    launch_costs(args.launches)
    if args.launches_only:
        return
    call_command("migrate", verbosity=0)
    component_register_file(COMPONENTS / "noop.yml", source="command")
    user = get_user_model().objects.create(username="bench", is_staff=True)
    worker = embedded_worker_start(threads=1)
    finished = Finished()
    try:
        floor = floor_seconds()
        print(f"{'floor: python -c pass':<42} {floor * 1000:9.2f} ms per launch")
        version = pipeline_create(name="chain-50", owner=user, document=chain(50)).versions.get()
        # Under root with conveyor-step-drop built, also every step with its own bwrap
        # (standby sandboxes off), and with setpriv instead of the helper (no standbys).
        cases = {"on": (True, DROP, STANDBY_COUNT), "off": (False, DROP, 0)}
        if step_drop(step_identity()) is not None:
            cases["on, own bwrap"] = (True, DROP, 0)
            cases["on, setpriv"] = (True, "setpriv", 0)
        times: dict[str, list[float]] = {case: [] for case in cases}
        cpus: dict[str, list[float]] = {case: [] for case in cases}
        for _ in range(args.repeat):
            for case, (on, drop, standbys) in cases.items():
                sandbox_switch(on, drop, standbys)
                before = cpu_seconds()
                times[case].append(timed(version, user, finished, {"force_rerun": True}))
                reap_orphans()
                cpus[case].append(cpu_seconds() - before)
        sandbox_switch(True)
        # CPU of this process (the engine) and of every step process (bwrap's namespace
        # init included, see `subreaper`): steadier than wall time on a shared machine,
        # where the sandbox's extra processes wait longer for a CPU.
        off_cpu = statistics.median(cpus["off"])
        for case in cases:
            cpu = statistics.median(cpus[case])
            print(f"{f'chain-50, sandbox {case}: CPU':<42} {cpu * 1000 / 50:9.2f} ms/step", end="")
            if case != "off":
                print(f"  sandbox cost {(cpu - off_cpu) * 1000 / 50:6.2f} ms/step", end="")
            print()
        for name, pick in (("median", statistics.median), ("best", min)):
            off = pick(times["off"])
            for case in cases:
                report(f"chain-50, sandbox {case} ({name})", pick(times[case]), 50, floor, 1)
            for case in cases:
                if case != "off":
                    cost = (pick(times[case]) - off) * 1000 / 50
                    print(f"{f'  sandbox {case}: cost per step':<42} {cost:9.2f} ms/step")
    finally:
        embedded_worker_stop(worker)


if __name__ == "__main__":
    main()
