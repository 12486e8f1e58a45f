"""The hostile-step suite: one component per escape attempt, each against the real sandbox
and the real embedded engine; every attempt fails and the server keeps running steps."""

from __future__ import annotations

import os
import secrets
import socket
import stat
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.sandbox import PoolPolicy
from tests.sandbox.conftest import processes_with, report, server_still_runs_steps, step_log

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def failed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": OK " in line]


def test_a_step_runs_unprivileged_without_capabilities_in_its_own_namespaces(run_one):
    run = run_one("h_whoami")
    text = report(run)
    assert run.status == "Completed"
    uid, gid, hostname = text.splitlines()[:3]
    if os.geteuid() == 0:
        assert (int(uid), int(gid)) == (settings.STEP_UID, settings.STEP_GID)
    assert hostname == "conveyor-step"
    assert "CapEff:\t0000000000000000" in text and "CapBnd:\t0000000000000000" in text
    assert "NoNewPrivs:\t1" in text
    assert "shadow" not in text and "SECRET" not in text


def test_a_step_cannot_read_the_secret_key_or_the_admin_password(run_one):
    home = Path(settings.CONVEYOR_HOME)
    assert (home / "secret-key").read_text().strip() == settings.SECRET_KEY
    run = run_one("h_read_secret_key", folder=str(home))
    text = report(run)
    assert run.status == "Completed"
    assert "read" in text and not failed_lines(text)
    assert settings.SECRET_KEY not in text + step_log(run)
    server_still_runs_steps(run_one)


def test_a_step_cannot_read_the_database(run_one):
    database = settings.DATABASES["default"]["NAME"]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the database is not a file here; the network test covers PostgreSQL")
    assert Path(database).exists()
    run = run_one("h_read_database", database=str(database))
    text = report(run)
    assert text.count("FAILED") == 2 and not failed_lines(text), text
    server_still_runs_steps(run_one)


def test_a_step_cannot_read_the_environment_of_pid_1_its_parent_or_any_server_process(run_one):
    canary = "canary-" + secrets.token_hex(8)
    # A stand-in for a server process with a secret in its environment, readable by root.
    helper = subprocess.Popen(["sleep", "120"], env={"CONVEYOR_SECRET_KEY": canary})
    try:
        # Popen returns once exec closed its error pipe, a moment before the kernel has set
        # up the new program's environment: /proc/PID/environ can still read empty.
        deadline = time.monotonic() + 10
        while not Path(f"/proc/{helper.pid}/environ").read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert canary in Path(f"/proc/{helper.pid}/environ").read_text()
        run = run_one("h_read_environ")
    finally:
        helper.kill()
        helper.wait()
    text = report(run)
    assert run.status == "Completed", run.steps.get().error
    assert "pid 1: FAILED" in text and "parent: FAILED" in text
    assert canary not in text + step_log(run)
    assert f"/proc/{os.getpid()}" not in text


def test_a_step_cannot_read_another_runs_artifact(run_one):
    token = "private-" + secrets.token_hex(8)
    first = run_one("t_echo", text=token)
    other = Path(settings.ARTIFACTS_DIR) / first.steps.get().outputs["out"]["path"] / "text.txt"
    assert token in other.read_text()
    run = run_one("h_read_artifact", artifact=str(other))
    text = report(run)
    assert "FAILED" in text and token not in text + step_log(run)


def test_a_step_cannot_read_etc_shadow(run_one):
    assert Path("/etc/shadow").exists()
    run = run_one("h_read_shadow")
    text = report(run)
    assert "read /etc/shadow: FAILED" in text and not failed_lines(text), text


def test_a_step_cannot_write_outside_its_outputs(run_one):
    elsewhere = Path(settings.ARTIFACTS_DIR) / "planted.txt"
    run = run_one("h_write_outside", elsewhere=str(elsewhere))
    text = report(run)
    assert run.status == "Completed"
    assert text.count("FAILED") == 6 and not failed_lines(text), text
    for path in (elsewhere, Path("/usr/planted.txt"), Path("/etc/planted.txt")):
        assert not path.exists()
    assert not Path("/planted.txt").exists()


def test_a_fork_bomb_is_bounded_by_the_process_limit(run_one, settings):
    pool = settings.STEP_POOLS["cpu"]
    low = replace(pool.limits, processes=24)
    settings.STEP_POOLS = {**settings.STEP_POOLS, "cpu": replace(pool, limits=low, ceiling=low)}
    run = run_one("h_fork_bomb", tries=2000)
    text = report(run)
    forked = int(text.split()[1])
    assert forked < 24 and "Resource temporarily unavailable" in text, text
    assert not processes_with("fork_bomb.py")
    server_still_runs_steps(run_one)


def test_allocating_100_gib_fails_inside_the_step(run_one):
    run = run_one("h_allocate")
    text = report(run)
    assert "allocate 100 GiB: FAILED MemoryError" in text, text
    server_still_runs_steps(run_one)


@pytest.fixture
def listener() -> Any:
    """A TCP server on 127.0.0.1, a stand-in for Conveyor's own port."""
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def test_a_step_cannot_connect_to_the_servers_port_or_to_postgresql(run_one, listener):
    port = listener.getsockname()[1]
    run = run_one("h_connect", server_port=port, database_port=5432)
    text = report(run)
    assert f"connect {port}: FAILED" in text and "connect 5432: FAILED" in text, text


def test_a_pool_that_allows_the_network_can_connect(run_one, listener, settings):
    pool = settings.STEP_POOLS["cpu"]
    settings.STEP_POOLS = {**settings.STEP_POOLS, "cpu": replace(pool, network=True)}
    port = listener.getsockname()[1]
    run = run_one("h_connect", server_port=port)
    assert f"connect {port}: OK" in report(run)


def test_a_process_left_in_the_background_is_gone_when_the_step_ends(run_one):
    marker = "marker-" + secrets.token_hex(6)
    run = run_one("h_background", marker=marker)
    assert run.status == "Completed"
    assert "left two sleepers" in report(run)
    assert processes_with(marker) == []


def test_an_output_folder_replaced_by_a_symlink_into_the_store_fails_the_step(run_one):
    run = run_one("h_symlink_output", target=str(settings.ARTIFACTS_DIR))
    step = run.steps.get()
    assert run.status == "Failed" and step.status == "Failed"
    assert "'out'" in step.error and "replaced by a link" in step.error
    assert not step.outputs


def test_a_symlink_inside_an_output_fails_the_step_naming_it(run_one):
    run = run_one("h_symlink_in_output", target="/etc/passwd")
    step = run.steps.get()
    assert step.status == "Failed" and "out/stolen: links are not accepted" in step.error


def test_a_hard_link_to_the_secret_key_cannot_even_be_made_in_the_sandbox(run_one):
    run = run_one("h_hardlink_output", target=str(Path(settings.CONVEYOR_HOME) / "secret-key"))
    assert run.steps.get().status == "Failed"
    assert "failed to access" in step_log(run) and "No such file" in step_log(run)


def test_an_unsandboxed_staff_step_with_a_hard_link_to_a_secret_fails_naming_the_path(
    hostile, admin_user_, embedded, settings, tmp_path
):
    from designer.engine.runtime import sandbox_status
    from designer.engine.submit import run_submit
    from designer.pipelines.services import pipeline_create
    from tests.factories import document, node, wait_run

    settings.SANDBOX_BWRAP = str(tmp_path / "no-bwrap")
    assert not sandbox_status(refresh=True).available
    secret = tmp_path / "secret-key"  # Beside the store, so a hard link is possible.
    secret.write_text("the-secret")
    secret.chmod(0o600)
    doc = document([node("n", "h_hardlink_output@1", target=str(secret))])
    version = pipeline_create(name="hl", owner=admin_user_, document=doc).versions.get()
    run = wait_run(run_submit(pipeline_version=version, user=admin_user_))
    step = run.steps.get()
    assert step.status == "Failed" and "out/stolen: hard links are not accepted" in step.error
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    log = (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()
    assert "WITHOUT the sandbox" in log


def test_a_gpu_pools_devices_and_cuda_slot_reach_the_step(run_one, settings, tmp_path):
    device = tmp_path / "nvidia0"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # A stand-in: /dev/zero.
    pool = settings.STEP_POOLS["cpu"]
    devices = ((str(device), "/dev/nvidia0"),)
    gpu = PoolPolicy("cpu", limits=pool.limits, ceiling=pool.limits, devices=devices, gpus=("3",))
    settings.STEP_POOLS = {**settings.STEP_POOLS, "cpu": gpu}
    run = run_one("h_gpu")
    text = report(run)
    assert run.status == "Completed", run.steps.get().error
    assert "00 00 00 00" in text and "cuda=3" in text


def test_a_node_may_lower_its_limits_but_not_pass_the_pools_ceiling(run_one, settings):
    pool = settings.STEP_POOLS["cpu"]
    capped = replace(pool, ceiling=replace(pool.limits, processes=64))
    settings.STEP_POOLS = {**settings.STEP_POOLS, "cpu": capped}
    run = run_one("h_whoami", node_settings={"limits": {"processes": 100000, "memory_mb": 512}})
    text = report(run)
    assert "(-u) 64" in text and f"-v) {512 * 1024}" in text, text
    assert "above the pool 'cpu' ceiling" in step_log(run)
