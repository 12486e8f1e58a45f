"""`conveyor environment create|list|show` against a real server (live)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli_live import as_json
from tests.support.cli import cli
from tests.support.server import ConveyorServer

pytestmark = pytest.mark.live
FILES = Path(__file__).parent / "files"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConveyorServer]:
    running = ConveyorServer(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def home(server: ConveyorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    result = cli(
        home, "login", "--url", server.url, "-u", "admin", f"--password={server.admin_password}"
    )
    assert result.returncode == 0, result.stderr
    return home


def test_environment_create_reads_the_conda_file_beside_the_yaml_then_list_and_show(home):
    created = as_json(cli(home, "environment", "create", "-f", str(FILES / "env.yml"), "--json"))
    assert created["reference"] == "azureml:cli-pandas@3"
    assert created["python"] == "3.10"
    assert created["requirements"] == ["numpy<2", "pandas~=1.5"]
    listed = as_json(cli(home, "environment", "list", "--json"))
    assert [(e["name"], e["version"]) for e in listed] == [("cli-pandas", "3")]
    shown = cli(home, "environment", "show", "azureml:cli-pandas:3")
    assert shown.returncode == 0, shown.stderr
    assert "azureml:cli-pandas@3  python 3.10" in shown.stdout
    assert as_json(cli(home, "environment", "show", "cli-pandas", "--json"))["version"] == "3"


def test_environment_create_with_a_build_context_fails_naming_the_problem(home, tmp_path):
    (tmp_path / "env.yml").write_text("name: docker-env\nversion: '1'\nbuild:\n  path: .\n")
    result = cli(home, "environment", "create", "-f", str(tmp_path / "env.yml"))
    assert result.returncode == 1
    assert "`build:`" in result.stderr and "docker-env@1" in result.stderr
