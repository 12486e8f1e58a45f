"""Azure ML pipelines written from the public schemas and examples run unmodified, one after
another, on ONE server, through the CLI (issue 12, "Done when"). Live: a real server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conveyor.client import Client
from tests.support.cli import cli as run_cli
from tests.support.cli import cli_login
from tests.support.server import ConveyorServer

pytestmark = pytest.mark.live
CORPUS = Path(__file__).parent / "pipelines"
FOLDERS = sorted(path for path in CORPUS.iterdir() if (path / "pipeline.yml").is_file())
# Environments are folders named by the hash of their content: sharing them between runs
# of this test (and machines' CI caches) only saves build time, never changes a result.
SHARED_ENVS = Path(
    os.environ.get("CONVEYOR_TEST_ENV_DIR", Path.home() / ".cache/conveyor-test-envs")
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConveyorServer]:
    SHARED_ENVS.mkdir(parents=True, exist_ok=True)
    home = tmp_path_factory.mktemp("corpus-server")
    running = ConveyorServer(home, env_extra={"CONVEYOR_ENV_DIR": str(SHARED_ENVS)}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def user_home(server: ConveyorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_login(server, tmp_path_factory.mktemp("home"))


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(home, *args, timeout=900)  # Jobs here build environments.


def client_for(home: Path) -> Client:
    saved = json.loads((home / ".config/conveyor/config.json").read_text())
    return Client(saved["url"], saved["token"])


def output_text(client: Client, run: dict[str, Any], node: str, port: str, name: str) -> str:
    import io
    import zipfile

    payload = client.request("GET", f"/api/runs/{run['id']}/steps/{node}/outputs/{port}/")
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return archive.read(name).decode()


@pytest.fixture(scope="module")
def corpus_runs(user_home: Path) -> dict[str, Any]:
    """Every corpus pipeline through `job create --stream --json`, in order, on one server."""
    runs: dict[str, Any] = {}
    for folder in FOLDERS:
        result = cli(
            user_home, "job", "create", "-f", str(folder / "pipeline.yml"), "--stream", "--json"
        )
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        runs[folder.name] = {"result": result, "lines": lines}
    return runs


def test_every_corpus_pipeline_completes_one_after_another_on_one_server(corpus_runs):
    failed = {
        name: (got["result"].stdout[-1500:], got["result"].stderr[-1500:])
        for name, got in corpus_runs.items()
        if got["result"].returncode != 0
    }
    assert not failed, failed
    assert len(corpus_runs) == len(FOLDERS) >= 9


def test_stream_json_names_the_run_first_and_its_final_status_last(corpus_runs):
    for name, got in corpus_runs.items():
        first, last = got["lines"][0], got["lines"][-1]
        assert first["kind"] == "run" and isinstance(first["run"]["id"], int), name
        assert last == {**last, "kind": "final", "run": first["run"]["id"], "status": "Completed"}
    hello = corpus_runs["01_hello_no_version"]["lines"][0]["warnings"]
    assert any(w["code"] == "environment_mapped" for w in hello), hello  # a curated name


def run_of(corpus_runs: dict[str, Any], name: str, client: Client) -> dict[str, Any]:
    return client.run(corpus_runs[name]["lines"][0]["run"]["id"])


def test_two_pipelines_shipping_different_component_a_at_1_each_ran_their_own(
    corpus_runs, user_home
):
    client = client_for(user_home)
    first = run_of(corpus_runs, "02_component_a_first", client)
    second = run_of(corpus_runs, "03_component_a_second", client)
    texts = [
        output_text(client, run, "component_a_job", "component_a_output", "which.txt")
        for run in (first, second)
    ]
    assert texts == ["A\n", "B\n"]


def test_a_pipelines_own_score_model_ran_instead_of_the_builtin(corpus_runs, user_home):
    client = client_for(user_home)
    run = run_of(corpus_runs, "04_own_score_model", client)
    assert output_text(client, run, "score", "scored", "score.txt") == "3"  # rows 1 and 2
    builtin = client.component("score_model", "latest")
    assert builtin["version"] == "1" and builtin["source"] == "builtin"


def test_nested_pipeline_components_ran_with_their_bindings(corpus_runs, user_home):
    client = client_for(user_home)
    run = run_of(corpus_runs, "05_nested", client)
    outer = output_text(client, run, "train_and_evaluate__train", "model", "model.txt")
    again = output_text(client, run, "again__train", "model", "model.txt")
    assert (outer, again) == ("weights 7", "weights 31")


def test_every_binding_form_reached_the_step(corpus_runs, user_home):
    client = client_for(user_home)
    run = run_of(corpus_runs, "07_every_binding", client)
    assert output_text(client, run, "shout", "summary", "summary.txt") == (
        "summary TOTAL=45 LOUD=TRUE"
    )


def test_a_pinned_pandas_1_5_environment_ran_dataframe_append(corpus_runs, user_home):
    client = client_for(user_home)
    run = run_of(corpus_runs, "08_pandas_pinned", client)
    version = output_text(client, run, "append_rows", "out", "version.txt")
    assert version.startswith("1.5.") and version.strip().endswith("3.10")


def test_what_a_step_logged_with_mlflow_is_its_mlflow_output(corpus_runs, user_home):
    client = client_for(user_home)
    run = run_of(corpus_runs, "09_mlflow_logging", client)
    metrics = json.loads(output_text(client, run, "train_job", "mlflow", "metrics.json"))
    params = json.loads(output_text(client, run, "train_job", "mlflow", "params.json"))
    assert metrics == {"accuracy": 0.9, "loss": 0.5} and params == {"alpha": "2.0"}


def test_export_and_reimport_round_trip_for_the_corpus(corpus_runs, user_home, tmp_path):
    client = client_for(user_home)
    for folder in FOLDERS:
        run = run_of(corpus_runs, folder.name, client)
        name = run["pipeline_name"]
        target = tmp_path / folder.name
        exported = cli(user_home, "pipeline", "export", name, "-o", str(target), "--json")
        assert exported.returncode == 0, exported.stderr
        again = cli(
            user_home, "pipeline", "import", "-f", str(target / "pipeline.yml"),
            "--name", f"{name}-again", "--json",
        )  # fmt: skip
        assert again.returncode == 0, again.stdout + again.stderr
        original = client.get(f"/api/pipelines/{run['pipeline']}/")["latest"]["document"]
        document = json.loads(again.stdout)["latest"]["document"]
        assert {**document, "name": name} == original, folder.name


def test_job_create_prints_the_import_warnings(user_home, tmp_path):
    folder = tmp_path / "warned"
    folder.mkdir()
    (folder / "pipeline.yml").write_text(
        "type: pipeline\ndisplay_name: corpus_warned\n"
        "settings: {default_datastore: azureml:workspaceblobstore}\n"
        "jobs:\n  say:\n    command: echo hi\n    compute: azureml:big-gpu-cluster\n"
    )
    result = cli(user_home, "job", "create", "-f", str(folder / "pipeline.yml"), "--stream")
    assert result.returncode == 0, result.stderr
    assert "big-gpu-cluster" in result.stderr and "default_datastore" in result.stderr


def test_under_json_an_error_is_json_naming_the_problem(user_home, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "type: pipeline\ndisplay_name: corpus_bad\njobs:\n  a: {component: ./nope.yml}\n"
    )
    result = cli(user_home, "job", "create", "-f", str(bad), "--json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_pipeline_yaml"
    assert error["details"]["errors"][0]["node"] == "a"
    missing = cli(user_home, "job", "create", "-f", str(tmp_path / "none.yml"), "--json")
    assert missing.returncode == 1 and "none.yml" in json.loads(missing.stdout)["error"]["message"]


def test_the_sdk_uploads_local_files_and_folders_and_runs_a_nested_pipeline(user_home, tmp_path):
    from conveyor import Input, load_component, pipeline
    from tests.yaml_io.conftest import PIPELINES

    read = load_component(PIPELINES / "components" / "read" / "read.yml")
    append = load_component(PIPELINES / "components" / "append" / "append.yml")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "part.txt").write_text("from the folder\n")
    (tmp_path / "table.csv").write_text("a,b\n")

    @pipeline(name="corpus_sdk_inner")
    def inner(data=Input(type="uri_folder")):  # noqa: B008
        marked = append(data=data, text="inner")
        return {"out": marked.outputs.out}

    @pipeline(name="corpus_sdk")
    def outer(
        table=Input(path=tmp_path / "table.csv"),  # noqa: B008
        folder=Input(path=tmp_path / "folder"),  # noqa: B008
    ):
        both = read(table=table, folder=folder)
        nested = inner(data=both.outputs.out)
        return {"final": nested.outputs.out}

    client = client_for(user_home)
    run = client.wait(client.submit(outer())["id"], timeout=300)
    assert run["status"] == "Completed", run
    text = output_text(client, run, "nested__marked", "out", "text.txt")
    assert text.startswith("a,b\nfrom the folder\n") and "inner" in text


def test_component_list_shows_names_only_pipelines_used_as_anonymous(corpus_runs, user_home):
    listed = cli(user_home, "component", "list", "--search", "hello_python_world")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("hello_python_world"))
    assert row.split()[1:3] == ["anonymous", "unclaimed"]
