"""Pooled network namespaces (root servers): reused one step after another, never shared
by two running steps, never handed on with anything of the step that used it.

Each test runs twice: steps started by their own bwrap, and steps started in standby
sandboxes (`designer.engine.standby`), which take their namespace from the same pool when
they are made, while the step before runs, and so get another one than that step's."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import _NETNS, step_run
from designer.engine.standby import STANDBYS

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="pooled only when the server is root")

NETNS = 'echo "netns=$(readlink /proc/self/ns/net)"'


class Steps:
    def __init__(self, root: Path, standbys: bool) -> None:
        self.store = ArtifactStore(root / "store")
        self.count = 0
        self.standbys = standbys

    def run(self, command: str, **kwargs: Any) -> tuple[Any, str]:
        self.count += 1
        dirs = self.store.make_step_dirs("1", f"n{self.count}", 1, {"out": "uri_folder"})
        result = step_run(command, dirs=dirs, pool="cpu", **kwargs)
        if self.standbys:  # The next step's standby is made by another thread: wait for it.
            deadline = time.monotonic() + 30
            while not STANDBYS.idle() and time.monotonic() < deadline:
                time.sleep(0.01)
        return result, dirs.log_path.read_text()


def netns_of(log: str) -> str:
    return next(line for line in log.splitlines() if line.startswith("netns="))


def pooled() -> list[str]:
    """The namespaces waiting for a step, as a step would print them: in this process's
    pool, or held by an idle standby sandbox."""
    fds = list(_NETNS._free)
    with STANDBYS._lock:
        fds += [s.network.fd for idle in STANDBYS._idle.values() for s in idle if s.network.fd]
    return [f"netns=net:[{os.stat(f'/proc/self/fd/{fd}').st_ino}]" for fd in fds]


def run_until_in(steps: Steps, wanted: str, command: str) -> str:
    """Run `command` as new steps until one runs in the namespace `wanted` (at most four:
    with standby sandboxes, a namespace comes back after a step or two); its log."""
    logs = [steps.run(command)[1] for _ in range(4)]
    return next((log for log in logs if netns_of(log) == wanted), "\n".join(logs))


@pytest.fixture(params=["own bwrap", "standby sandboxes"])
def steps(request: Any, tmp_path: Path, sandbox: Any, settings: Any) -> Any:
    settings.STANDBY_SANDBOXES = 0 if request.param == "own bwrap" else 2
    STANDBYS.stop()
    taken = STANDBYS.taken
    yield Steps(tmp_path, standbys=request.param == "standby sandboxes")
    STANDBYS.stop()
    assert (STANDBYS.taken > taken) == (request.param == "standby sandboxes")


def test_steps_one_after_another_reuse_a_namespace_with_a_working_loopback(steps):
    loopback = (
        'python -c \'import socket; s = socket.create_server(("127.0.0.1", 0));'
        ' socket.create_connection(s.getsockname()).close(); print("loopback ok")\''
    )
    first, log_1 = steps.run(f"{NETNS}; {loopback}")
    log_2 = run_until_in(steps, netns_of(log_1), f"{NETNS}; {loopback}")
    assert first.exit_code == 0, log_1
    assert "loopback ok" in log_1 and "loopback ok" in log_2, log_2
    # Held open by the pool the whole time, so the same number is the same namespace.
    assert netns_of(log_1) == netns_of(log_2)
    assert netns_of(log_2) in pooled()
    host = f"net:[{os.stat('/proc/self/ns/net').st_ino}]"
    assert netns_of(log_1) != "netns=" + host


def test_two_running_steps_never_share_a_namespace(steps):
    steps.run(NETNS)  # With standby sandboxes: one is made for the next step.
    logs: list[str] = []
    gate = threading.Barrier(2, timeout=30)

    def one() -> None:
        gate.wait()
        logs.append(steps.run(f"{NETNS}; sleep 1")[1])

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(logs) == 2
    assert netns_of(logs[0]) != netns_of(logs[1])


def test_a_listener_a_step_leaves_behind_is_gone_for_the_next_step(steps):
    listen = (
        'setsid python -c \'import socket, time; s = socket.create_server(("127.0.0.1", 47613));'
        " time.sleep(60)' > /dev/null 2>&1 < /dev/null &"
        " sleep 0.5"
    )
    first, log_1 = steps.run(f"{NETNS}; {listen}")
    probe = (
        "python -c 'import socket; socket.create_connection((\"127.0.0.1\", 47613), timeout=2)'"
        " && echo reached || echo refused"
    )
    log_2 = run_until_in(steps, netns_of(log_1), f"{NETNS}; {probe}")
    assert first.exit_code == 0, log_1
    assert netns_of(log_1) == netns_of(log_2)  # The same namespace, handed on empty.
    assert netns_of(log_2) in pooled()
    assert log_2.splitlines()[-1] == "refused"


def test_a_timed_out_step_does_not_hand_on_its_namespace(steps):
    steps.run(NETNS)
    waiting = pooled()
    stopped, log = steps.run(f"{NETNS}; sleep 60", timeout=1.0, kill_grace=0.5)
    assert stopped.timed_out
    assert netns_of(log) in waiting  # It took a pooled namespace...
    assert netns_of(log) not in pooled()  # ...which was closed, not given back.
