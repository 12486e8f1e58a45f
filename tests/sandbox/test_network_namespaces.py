"""Pooled network namespaces (root servers): reused one step after another, never shared
by two running steps, never handed on with anything of the step that used it."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import _NETNS, step_run

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="pooled only when the server is root")

NETNS = 'echo "netns=$(readlink /proc/self/ns/net)"'


class Steps:
    def __init__(self, root: Path) -> None:
        self.store = ArtifactStore(root / "store")
        self.count = 0

    def run(self, command: str, **kwargs: Any) -> tuple[Any, str]:
        self.count += 1
        dirs = self.store.make_step_dirs("1", f"n{self.count}", 1, {"out": "uri_folder"})
        result = step_run(command, dirs=dirs, pool="cpu", **kwargs)
        return result, dirs.log_path.read_text()


def netns_of(log: str) -> str:
    return next(line for line in log.splitlines() if line.startswith("netns="))


def pooled() -> list[str]:
    """The namespaces waiting in this process's pool, as a step would print them."""
    return [f"netns=net:[{os.stat(f'/proc/self/fd/{fd}').st_ino}]" for fd in _NETNS._free]


@pytest.fixture
def steps(tmp_path: Path, sandbox: Any) -> Steps:
    return Steps(tmp_path)


def test_steps_one_after_another_reuse_a_namespace_with_a_working_loopback(steps):
    loopback = (
        'python -c \'import socket; s = socket.create_server(("127.0.0.1", 0));'
        ' socket.create_connection(s.getsockname()).close(); print("loopback ok")\''
    )
    first, log_1 = steps.run(f"{NETNS}; {loopback}")
    second, log_2 = steps.run(NETNS)
    assert first.exit_code == 0 and second.exit_code == 0, log_1 + log_2
    assert "loopback ok" in log_1
    # Held open by the pool the whole time, so the same number is the same namespace.
    assert netns_of(log_1) == netns_of(log_2)
    assert netns_of(log_2) in pooled()
    host = f"net:[{os.stat('/proc/self/ns/net').st_ino}]"
    assert netns_of(log_1) != "netns=" + host


def test_two_running_steps_never_share_a_namespace(steps):
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
    second, log_2 = steps.run(f"{NETNS}; {probe}")
    assert first.exit_code == 0 and second.exit_code == 0, log_1 + log_2
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
