"""The SDK builds exactly the document the YAML import builds for the same pipeline."""

from __future__ import annotations

import pytest

from conveyor import Input, load_component, pipeline
from tests.yaml_io.conftest import PIPELINES, import_yaml

WRITE = PIPELINES / "components" / "write" / "write.yml"
APPEND = PIPELINES / "components" / "append" / "append.yml"


def chain_job():
    write, append = load_component(WRITE), load_component(APPEND)

    @pipeline(name="yio-chain", description="Three steps in a row.", default_compute="cpu")
    def chain():
        first = write(text="one")
        second = append(data=first.outputs.out, text="two")
        third = append(data=second.outputs.out, text="three")
        third.compute = "gpu"
        return {"final": third.outputs.out}

    return chain()


def params_job():
    write = load_component(WRITE)

    @pipeline(name="yio-params")
    def params(count=3, scale=Input(type="number", default=0.5), text="hello"):  # noqa: B008
        step = write(text=text, count=count, scale=scale)
        step.name = "write"

    return params()


def nested_job():
    write, append = load_component(WRITE), load_component(APPEND)

    @pipeline(name="yio_twice")
    def twice(seed=Input(type="uri_folder"), text="?"):  # noqa: B008
        a = append(data=seed, text=text)
        b = append(data=a.outputs.out, text="!")
        return {"result": b.outputs.out}

    @pipeline(name="yio-nested")
    def nested(word="x"):
        start = write(text="start")
        outer = twice(seed=start.outputs.out, text=word)
        again = twice(seed=outer.outputs.result)
        return {"final": again.outputs.result}

    return nested()


def by_name(document: dict) -> dict:
    """The document with `name@version` refs cut to names: the YAML import registers
    component files anonymously (a content hash), the SDK publishes them as named."""
    nodes = [{**n, "component": n["component"].split("@")[0]} for n in document["nodes"]]
    return {**document, "nodes": nodes}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "build"), [("chain", chain_job), ("params", params_job), ("nested", nested_job)]
)
def test_the_sdk_builds_the_same_document_as_the_yaml_import(api, home, name, build):
    imported = import_yaml(api, PIPELINES / f"{name}.yml").json()["latest"]["document"]
    assert by_name(build().document) == by_name(imported)


def test_an_input_with_a_local_path_is_uploaded_at_submit(tmp_path):
    write = load_component(WRITE)
    (tmp_path / "folder").mkdir()
    table = tmp_path / "table.csv"
    table.write_text("a\n1\n")

    @pipeline(name="with-data")
    def with_data(table=Input(path=table), folder=Input(path=tmp_path / "folder")):  # noqa: B008
        write(text="x")

    job = with_data()
    assert job.data == {"table": table.resolve(), "folder": (tmp_path / "folder").resolve()}
    assert job.document["inputs"]["table"]["type"] == "uri_file"
    assert job.document["inputs"]["folder"]["type"] == "uri_folder"


def test_steps_are_named_after_their_variables_else_their_component():
    write = load_component(WRITE)

    @pipeline(name="names")
    def names():
        kept = write(text="a")
        write(text="b")
        write(text="c")
        return {"out": kept.outputs.out}

    ids = [node["id"] for node in names().document["nodes"]]
    assert ids == ["kept", "yio_write", "yio_write_2"]


def test_a_component_called_with_an_unknown_input_says_which():
    write = load_component(WRITE)

    @pipeline(name="bad")
    def bad():
        write(colour="red")

    with pytest.raises(TypeError, match="colour"):
        bad()


def test_the_job_lists_the_component_files_to_upload():
    assert chain_job().component_files() == sorted([WRITE.resolve(), APPEND.resolve()])
