"""The `conveyor` CLI against a real server in a subprocess (live)."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import cli, cli_login
from tests.support.server import ConveyorServer
from tests.yaml_io.conftest import PIPELINES

pytestmark = pytest.mark.live
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConveyorServer]:
    running = ConveyorServer(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def user_home(server: ConveyorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME where `conveyor login` has been run."""
    return cli_login(server, tmp_path_factory.mktemp("home"))


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_login_saves_a_token_readable_only_by_its_owner(user_home, server):
    path = user_home / ".config" / "conveyor" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["url"] == server.url


def test_without_a_login_the_error_says_what_to_do(tmp_path):
    result = cli(tmp_path, "component", "list")
    assert result.returncode == 1 and "conveyor login --url" in result.stderr


def test_env_variables_work_instead_of_the_config_file(server, user_home, tmp_path):
    token = json.loads((user_home / ".config/conveyor/config.json").read_text())["token"]
    env = {"CONVEYOR_URL": server.url, "CONVEYOR_TOKEN": token}
    assert cli(tmp_path, "component", "list", env=env).returncode == 0


def test_a_component_is_created_listed_and_shown(user_home):
    spec = PIPELINES / "components" / "write" / "write.yml"
    created = as_json(cli(user_home, "component", "create", "-f", str(spec), "--json"))
    assert created["ref"] == "yio_write@1" and created["code_digest"]
    names = [c["name"] for c in as_json(cli(user_home, "component", "list", "--json"))]
    assert "yio_write" in names
    shown = cli(user_home, "component", "show", "yio_write@1")
    assert shown.returncode == 0 and "in  count: integer" in shown.stdout


def test_the_component_list_shows_who_owns_each_name(user_home):
    spec = PIPELINES / "components" / "write" / "write.yml"
    assert cli(user_home, "component", "create", "-f", str(spec)).returncode == 0
    lines = cli(user_home, "component", "list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "LATEST", "OWNER", "DISPLAY", "NAME"]
    rows = {line.split()[0]: line.split()[2] for line in lines[1:]}
    assert rows["yio_write"] == "admin" and rows["split_data"] == "system"


def test_server_errors_are_shown_with_their_message(user_home):
    result = cli(user_home, "component", "show", "no_such_thing")
    assert result.returncode == 1 and "'no_such_thing' is not registered" in result.stderr


def test_a_pipeline_is_imported_and_exported(user_home, tmp_path):
    imported = as_json(
        cli(user_home, "pipeline", "import", "-f", str(PIPELINES / "nested.yml"), "--json")
    )
    assert imported["name"] == "yio-nested" and imported["latest"]["is_valid"]
    result = cli(user_home, "pipeline", "export", "yio-nested@1", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "again__b" in (tmp_path / "out" / "pipeline.yml").read_text()
    assert (tmp_path / "out" / "components" / "yio_append" / "yio_append.yml").is_file()


def test_job_create_stream_exits_zero_for_a_completed_run(user_home, tmp_path):
    path = str(PIPELINES / "params.yml")
    result = cli(user_home, "job", "create", "-f", path, "--set", "inputs.count=2", "--stream")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[write] Completed" in result.stdout and result.stdout.rstrip().endswith("Completed")
    run_id = int(result.stdout.split()[1])
    shown = as_json(cli(user_home, "job", "show", str(run_id), "--json"))
    assert shown["inputs"]["count"] == 2
    assert run_id in [r["id"] for r in as_json(cli(user_home, "job", "list", "--json"))]
    out = tmp_path / "dl"
    assert cli(user_home, "job", "download", str(run_id), "-o", str(out)).returncode == 0
    assert (
        out / f"run-{run_id}" / "write" / "out" / "text.txt"
    ).read_text() == "hello x2 *0.5\n" * 2


def test_job_create_stream_exits_non_zero_for_a_failed_run(user_home):
    result = cli(user_home, "job", "create", "-f", str(HERE / "pipelines" / "fail.yml"), "--stream")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "about to fail" in result.stdout and "Failed" in result.stdout


def test_a_refused_import_lists_each_problem(user_home, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("type: pipeline\njobs:\n  s: {type: spark}\n")
    result = cli(user_home, "pipeline", "import", "-f", str(bad))
    assert result.returncode == 1
    assert "job 's' uses Spark jobs" in result.stderr


def test_every_command_has_help(tmp_path):
    for args in (["--help"], ["job", "create", "--help"], ["pipeline", "export", "--help"]):
        result = cli(tmp_path, *args)
        assert result.returncode == 0 and "usage: conveyor" in result.stdout
