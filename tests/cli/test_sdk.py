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


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "build"), [("chain", chain_job), ("params", params_job)])
def test_the_sdk_builds_the_same_document_as_the_yaml_import(api, home, name, build):
    imported = import_yaml(api, PIPELINES / f"{name}.yml").json()["latest"]["document"]
    assert build().document == imported


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
