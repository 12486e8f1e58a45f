"""`manage.py datastore_create` registers and grants; `conveyor datastore list|show` browse
(a real server in a subprocess, live)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import cli, cli_login
from tests.support.server import ROOT, ConveyorServer

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConveyorServer]:
    running = ConveyorServer(tmp_path_factory.mktemp("server")).start()
    data = tmp_path_factory.mktemp("shared")
    (data / "iris").mkdir()
    (data / "iris" / "data.csv").write_text("a,b\n1,2\n")
    manage = [sys.executable, "manage.py", "datastore_create", "shared", str(data)]
    done = subprocess.run(
        [*manage, "--user", "admin", "--access", "write"],
        cwd=ROOT,
        env=running.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "granted write to user 'admin'" in done.stdout
    yield running
    running.stop()


@pytest.fixture(scope="module")
def user_home(server: ConveyorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_login(server, tmp_path_factory.mktemp("home"))


def test_datastore_list_shows_the_registered_one_and_uploads(user_home):
    result = cli(user_home, "datastore", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert [d["name"] for d in json.loads(result.stdout)] == ["shared", "uploads"]


def test_datastore_show_with_a_path_lists_references(user_home, server):
    result = cli(user_home, "datastore", "show", "shared", "--path", "iris")
    assert result.returncode == 0, result.stderr
    assert "azureml://datastores/shared/paths/iris/data.csv" in result.stdout
    assert str(server.home) not in result.stdout


def test_datastore_show_outside_the_root_is_an_error_naming_the_reason(user_home):
    result = cli(user_home, "datastore", "show", "shared", "--path", "../..")
    assert result.returncode != 0
    assert "leads outside its root" in result.stderr
