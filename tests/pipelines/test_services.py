"""Pipeline services: create, save versions, clone, archive, search (database)."""

from __future__ import annotations

from typing import Any

import pytest

from designer.pipelines.models import Pipeline, PipelineVersion
from designer.pipelines.services import (
    PipelineNameTaken,
    document_validate,
    pipeline_archive,
    pipeline_clone,
    pipeline_create,
    pipeline_version_save,
    pipelines_search,
)
from tests.api import chain_document

pytestmark = pytest.mark.django_db


def test_a_new_pipeline_has_one_valid_empty_version(owner: Any) -> None:
    pipeline = pipeline_create(name="fresh", owner=owner, description="about it")
    assert (pipeline.latest_version, pipeline.description) == (1, "about it")
    version = pipeline.versions.get()
    assert (version.number, version.is_valid, version.message) == (1, True, "created")
    assert version.author == owner
    assert version.document["name"] == "fresh"


def test_versions_are_numbered_in_order_and_earlier_ones_stay(owner: Any, builtins: Any) -> None:
    pipeline = pipeline_create(name="chain", owner=owner)
    documents = [chain_document("chain"), chain_document("chain")]
    documents[1]["nodes"][1]["inputs"]["seed"] = {"value": 7}
    saved = [
        pipeline_version_save(pipeline=pipeline, document=doc, author=owner, message=f"m{i}")
        for i, doc in enumerate(documents)
    ]
    assert [v.number for v in saved] == [2, 3]
    assert all(v.is_valid for v in saved)
    pipeline.refresh_from_db()
    assert pipeline.latest_version == 3
    assert PipelineVersion.objects.get(pipeline=pipeline, number=2).document == documents[0]
    assert saved[0].digest != saved[1].digest


def test_the_same_document_saved_twice_gives_two_versions_with_one_digest(owner: Any) -> None:
    pipeline = pipeline_create(name="twice", owner=owner)
    document = pipeline.versions.get().document
    again = pipeline_version_save(pipeline=pipeline, document=document, author=owner)
    assert again.number == 2
    assert again.digest == pipeline.versions.get(number=1).digest


def test_a_version_saved_against_a_stale_pipeline_object_still_gets_the_next_number(
    owner: Any,
) -> None:
    pipeline = pipeline_create(name="stale", owner=owner)
    stale = Pipeline.objects.get(pk=pipeline.pk)
    document = pipeline.versions.get().document
    pipeline_version_save(pipeline=pipeline, document=document, author=owner)
    assert pipeline_version_save(pipeline=stale, document=document, author=owner).number == 3


def test_an_invalid_document_is_kept_as_an_invalid_draft(owner: Any) -> None:
    pipeline = pipeline_create(name="draft", owner=owner)
    document = chain_document("draft")  # the catalog is empty: every component is unknown
    version = pipeline_version_save(pipeline=pipeline, document=document, author=owner)
    assert version.is_valid is False
    assert {e["code"] for e in version.errors} == {"unknown_component"}
    assert {e["node"] for e in version.errors} == {"load", "split", "train"}


def test_a_name_taken_by_another_pipeline_is_refused_on_create_and_on_save(owner: Any) -> None:
    pipeline_create(name="taken", owner=owner)
    with pytest.raises(PipelineNameTaken, match="'taken' already exists"):
        pipeline_create(name="taken", owner=owner)
    other = pipeline_create(name="other", owner=owner)
    document = other.versions.get().document | {"name": "taken"}
    with pytest.raises(PipelineNameTaken):
        pipeline_version_save(pipeline=other, document=document, author=owner)
    other.refresh_from_db()
    assert (other.name, other.latest_version, other.versions.count()) == ("other", 1, 1)


def test_clone_starts_a_new_history_owned_by_the_cloner(owner: Any, outsider: Any) -> None:
    source = pipeline_create(name="src", owner=owner, description="the original")
    clone = pipeline_clone(source=source.versions.get(), name="copy", owner=outsider)
    assert (clone.owner, clone.latest_version, clone.name) == (outsider, 1, "copy")
    assert clone.versions.get().document["name"] == "copy"
    assert clone.description == "the original"


def test_archived_pipelines_are_hidden_unless_asked_for(owner: Any, outsider: Any) -> None:
    kept = pipeline_create(name="kept", owner=owner)
    gone = pipeline_create(name="gone", owner=outsider)
    pipeline_archive(pipeline=gone)
    assert list(pipelines_search()) == [kept]
    assert set(pipelines_search(include_archived=True)) == {kept, gone}
    assert list(pipelines_search(include_archived=True, owner="oscar")) == [gone]
    pipeline_archive(pipeline=gone, archived=False)
    assert set(pipelines_search()) == {kept, gone}


def test_document_validate_uses_the_live_registry(builtins: Any) -> None:
    assert document_validate(chain_document()) == []
    broken = chain_document()
    broken["nodes"][0]["component"] = "load_csv@2"
    [issue] = document_validate(broken)
    assert (issue.node, issue.code) == ("load", "unknown_component")


def test_document_validate_checks_the_configured_compute_pools(
    builtins: Any, settings: Any
) -> None:
    document = chain_document()
    document["nodes"][2]["compute"] = "gpu"
    assert [i.code for i in document_validate(document)] == ["unknown_compute"]
    settings.COMPUTE_POOLS = ["cpu", "gpu"]
    assert document_validate(document) == []
