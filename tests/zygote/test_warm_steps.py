"""Warm steps through the step runtime itself: forked from a zygote, isolated like cold ones."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import step_run
from designer.engine.zygote import ZYGOTES, ZygoteLimits
from tests.sandbox.conftest import processes_with

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="warm starts need a root server")


@pytest.fixture(autouse=True)
def warm(settings: Any, sandbox: Any) -> Iterator[None]:
    settings.WARM_STARTS = True
    settings.WARM_START_POOLS = dict.fromkeys(settings.COMPUTE_POOLS, True)
    settings.ZYGOTE_PRELOAD = {"server": ["json", "random", "numpy"]}
    yield
    ZYGOTES.stop_all()


@pytest.fixture
def make_dirs(tmp_path: Path) -> Any:
    store = ArtifactStore(tmp_path / "store")
    counter = iter(range(1, 1000))

    def make(script: str) -> Any:
        dirs = store.make_step_dirs("1", "n", next(counter), {"out": "uri_folder"})
        (dirs.work / "step.py").write_text(script)
        (dirs.work / "step.py").chmod(0o644)
        return dirs

    return make


def run(dirs: Any, command: str = "python step.py", **kwargs: Any) -> tuple[Any, str]:
    result = step_run(command, dirs=dirs, pool="cpu", **kwargs)
    return result, dirs.log_path.read_text()


def test_a_python_step_starts_warm_as_the_step_uid_seeing_only_its_own_processes(make_dirs):
    dirs = make_dirs(
        "import os, sys\n"
        "print('uid', os.getuid(), os.getgid(), os.getgroups())\n"
        "print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
        "print('argv', sys.argv[1:], os.getcwd() == os.environ['HOME'] or os.getcwd())\n"
        "print('omp', os.environ.get('OMP_NUM_THREADS'))\n"
        "wanted = ('CapEff', 'CapBnd', 'NoNewPrivs')\n"
        "print('status', [x for x in open('/proc/self/status') if x.startswith(wanted)])\n"
        "open(sys.argv[1] + '/done.txt', 'w').write('ok')\n"
    )
    result, log = run(dirs, f"python step.py {dirs.outputs}/out 'two words'")
    assert result.exit_code == 0, log
    assert "warm start: forked from zygote" in log
    assert "uid 65534 65534 []" in log
    assert "pids [1, 2]" in log  # Its own init and itself: no zygote, no other step.
    assert f"argv ['{dirs.outputs}/out', 'two words'] {dirs.work}" in log
    assert "omp None" in log  # The step's own environment, not the zygote's.
    assert "CapEff:\\t0000000000000000" in log and "CapBnd:\\t0000000000000000" in log
    assert "NoNewPrivs:\\t1" in log
    assert (dirs.outputs / "out" / "done.txt").read_text() == "ok"


def test_a_command_that_is_not_a_plain_python_script_starts_cold(make_dirs):
    dirs = make_dirs("print('x')\n")
    result, log = run(dirs, "python step.py && echo chained")
    assert result.exit_code == 0 and "chained" in log
    assert "cold start: the command is not" in log


def test_a_module_level_global_changed_by_one_step_is_not_seen_by_the_next(make_dirs):
    script = (
        "import json\n"
        "print('seen', getattr(json, 'planted', None))\n"
        "json.planted = 'by the first step'\n"
    )
    first, second = make_dirs(script), make_dirs(script)
    result, log = run(first)
    assert result.exit_code == 0 and "warm start" in log and "seen None" in log, log
    result, log = run(second)
    assert result.exit_code == 0 and "warm start" in log and "seen None" in log, log


def test_random_seeds_differ_across_warm_children(make_dirs):
    script = "import random, numpy\nprint('draw', random.random(), numpy.random.rand())\n"
    draws = []
    for _ in range(3):
        result, log = run(make_dirs(script))
        assert result.exit_code == 0 and "warm start" in log, log
        draws.append(next(line for line in log.splitlines() if "draw" in line))
    assert len(set(draws)) == 3, draws


def test_an_input_is_read_only_and_the_zygote_socket_is_out_of_reach(make_dirs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("input\n")
    (data / "a.txt").chmod(0o644)
    dirs = make_dirs(
        "import glob, sys\n"
        "print('read', open(sys.argv[1] + '/a.txt').read().strip())\n"
        "try:\n    open(sys.argv[1] + '/b.txt', 'w')\n"
        "except OSError as exc:\n    print('write', exc.strerror)\n"
        "print('sockets', glob.glob(sys.argv[2] + '/zygote-*'))\n"
    )
    runtime = Path(dirs.work).parents[5] / "runtime"  # Not visible: nothing to list.
    result, log = run(dirs, f"python step.py {data} {runtime}", inputs=[data])
    assert result.exit_code == 0 and "warm start" in log, log
    assert "read input" in log and "write Read-only file system" in log
    assert "sockets []" in log


def test_a_timeout_stops_a_warm_step(make_dirs):
    dirs = make_dirs("import time\nprint('started', flush=True)\ntime.sleep(300)\n")
    result, log = run(dirs, timeout=2, kill_grace=2)
    assert result.timed_out and result.exit_code != 0, log
    assert "warm start" in log and "started" in log


def test_cancel_stops_a_warm_step_and_what_it_left_behind(make_dirs):
    marker = f"warm-cancel-{os.getpid()}"
    dirs = make_dirs(
        "import subprocess, time\n"
        f"subprocess.Popen(['sleep', '300', '{marker}'], start_new_session=True)\n"
        "print('started', flush=True)\n"
        "time.sleep(300)\n"
    )
    cancel = threading.Event()
    threading.Timer(3.0, cancel.set).start()
    result, log = run(dirs, should_cancel=cancel, kill_grace=2)
    assert result.canceled and "warm start" in log and "started" in log, log
    deadline = time.monotonic() + 10
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []


def test_a_killed_zygote_is_replaced(make_dirs):
    script = "print('hello')\n"
    result, log = run(make_dirs(script))
    assert "warm start" in log
    (zygote,) = ZYGOTES.running()
    os.killpg(zygote.proc.pid, signal.SIGKILL)
    zygote.proc.wait()
    result, log = run(make_dirs(script))
    assert result.exit_code == 0 and "warm start" in log and "hello" in log, log
    (replacement,) = ZYGOTES.running()
    assert replacement.proc.pid != zygote.proc.pid and replacement.alive()


def test_an_idle_zygote_is_stopped_when_the_next_step_comes(make_dirs, settings):
    run(make_dirs("print('one')\n"))
    (first,) = ZYGOTES.running()
    settings.ZYGOTE_LIMITS = ZygoteLimits(idle_seconds=0.0)
    time.sleep(0.05)
    result, log = run(make_dirs("print('two')\n"))
    assert result.exit_code == 0 and "warm start" in log, log
    assert not first.alive()
    (second,) = ZYGOTES.running()
    assert second is not first


def test_a_warm_steps_exit_code_and_traceback_come_back_as_a_cold_steps_would(make_dirs):
    result, log = run(make_dirs("import sys\nprint('before')\nsys.exit(3)\n"))
    assert result.exit_code == 3 and "warm start" in log and "before" in log
    result, log = run(make_dirs("raise ValueError('broken step')\n"))
    assert result.exit_code == 1 and "ValueError: broken step" in result.stderr_tail


def test_steps_arriving_together_each_get_a_standby_of_their_own(make_dirs):
    # Three at once: two standbys are ready, the third waits for a replacement.
    script = (
        "import os, sys, time\n"
        "time.sleep(1)\n"
        "print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
        "print('outputs', os.listdir(os.path.dirname(sys.argv[1])))\n"
    )
    run(make_dirs("print('zygote started')\n"))
    steps = [make_dirs(script) for _ in range(3)]
    results: list[Any] = [None] * 3

    def one(index: int) -> None:
        dirs = steps[index]
        results[index] = run(dirs, f"python step.py {dirs.outputs}/out")

    threads = [threading.Thread(target=one, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result, log in results:
        assert result.exit_code == 0 and "warm start: forked" in log, log
        assert "pids [1, 2]" in log and "outputs ['out']" in log, log
        assert result.start["kind"] == "warm" and result.start["latency_ms"] > 0


def test_a_step_the_zygote_refuses_fails_and_records_no_latency_even_over_a_stale_report(
    make_dirs, settings, monkeypatch
):
    import itertools

    from designer.engine import zygote

    run(make_dirs("print('zygote started')\n"))
    monkeypatch.setattr(zygote, "_REPORTS", itertools.count(900))
    stale = Path(settings.CONVEYOR_HOME) / "runtime" / f"start-{os.getpid()}-900"
    stale.write_text("0.5")  # As a crashed process with this pid could have left it.
    settings.STEP_UID = 0  # The zygote never forks a step as root.
    settings.STEP_DROP = "setpriv"  # conveyor-step-drop refuses uid 0 at the probe already.
    result, log = run(make_dirs("print('user code ran')\n"))
    assert result.exit_code == 125 and "user code ran" not in log, log
    assert "refused: a step never runs as root" in log
    assert result.start == {
        "kind": "warm",
        "latency_ms": None,
        "reason": "the zygote did not start it",
    }


def test_a_long_conveyor_home_still_starts_warm_its_socket_in_a_short_private_folder(
    make_dirs, settings, tmp_path
):
    """A Unix socket's path holds 107 bytes; a deep CONVEYOR_HOME must not make every step
    start cold (seen in CI, where the test home is a long temporary path)."""
    home = tmp_path / ("a-long-conveyor-home-folder-name-" * 3) / "var"
    home.mkdir(parents=True)
    settings.CONVEYOR_HOME = str(home)
    dirs = make_dirs("print('ran')\n")
    result, log = run(dirs)
    assert result.exit_code == 0, log
    assert result.start["kind"] == "warm", log
    [zygote] = ZYGOTES.running()
    assert len(os.fsencode(zygote.socket)) <= 107
    assert zygote.socket.parent.stat().st_mode & 0o777 == 0o700
    folder = zygote.socket.parent
    ZYGOTES.stop_all()
    assert not folder.exists()
