"""The sample templates: valid documents, an idempotent install, list and instantiate API."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from designer.pipelines.models import Pipeline, PipelineTemplate
from designer.pipelines.samples import SAMPLES_DIR, sample_load, samples_load, templates_sync
from designer.pipelines.services import document_validate

pytestmark = pytest.mark.django_db

SLUGS = sorted(path.stem for path in SAMPLES_DIR.glob("*.json"))
COMPONENTS_DIR = Path(__file__).resolve().parents[2] / "components"
PRIMITIVES = {"integer", "number", "string", "boolean"}

# A node's box as the canvas draws it, in the designer and on a run page alike (the same
# constants as frontend/src/canvas/nodeGeometry.ts): header, port rows, one footer line.
NODE_WIDTH = 240
NODE_HEAD, PORTS_PAD, PORT_ROW, NODE_FOOT = 58, 6, 22, 27
# Room between boxes for the edges and a run page's status ring around a node.
GAP = 40


def node_height(ref: str) -> int:
    name, _, version = ref.partition("@")
    for path in sorted((COMPONENTS_DIR / name).glob("*.yml")):
        spec = yaml.safe_load(path.read_text())
        if str(spec["version"]) == version:
            inputs = spec.get("inputs") or {}
            ports = [p for p in inputs.values() if p["type"] not in PRIMITIVES]
            rows = max(len(ports), len(spec.get("outputs") or {}))
            return NODE_HEAD + 2 * PORTS_PAD + rows * PORT_ROW + NODE_FOOT
    raise AssertionError(f"no component spec for {ref} under {COMPONENTS_DIR}")


def sync_templates() -> str:
    out = io.StringIO()
    call_command("sync_templates", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_there_are_at_least_three_templates_including_the_three_named_ones():
    assert len(SLUGS) >= 3
    assert {"iris-classification", "diabetes-regression", "breast-cancer-comparison"} <= set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_validates_against_the_live_registry(registry, slug):
    document = sample_load(SAMPLES_DIR / f"{slug}.json").document
    assert [issue.as_dict() for issue in document_validate(document)] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_is_laid_out_left_to_right_without_overlaps(slug):
    document = sample_load(SAMPLES_DIR / f"{slug}.json").document
    position = {node["id"]: node["position"] for node in document["nodes"]}
    height = {node["id"]: node_height(node["component"]) for node in document["nodes"]}
    for a, b in itertools.combinations(position, 2):
        (left, right) = sorted((a, b), key=lambda n: position[n]["x"])
        (top, bottom) = sorted((a, b), key=lambda n: position[n]["y"])
        apart_x = position[right]["x"] - position[left]["x"] >= NODE_WIDTH + GAP
        apart_y = position[bottom]["y"] - position[top]["y"] >= height[top] + GAP
        assert apart_x or apart_y, f"{a} at {position[a]} and {b} at {position[b]} overlap"
    for edge in document["edges"]:
        assert position[edge["source"]]["x"] < position[edge["target"]]["x"], edge
    assert all(node.get("display_name") for node in document["nodes"])
    assert document["description"]


def test_sync_templates_installs_every_sample_once():
    assert sync_templates().startswith(f"templates: {len(SLUGS)} installed, 0 updated")
    assert sorted(PipelineTemplate.objects.values_list("slug", flat=True)) == SLUGS
    template = PipelineTemplate.objects.get(slug="iris-classification")
    assert template.name == "Iris classification"
    assert template.node_count == 5
    assert template.document == json.loads((SAMPLES_DIR / f"{template.slug}.json").read_text())


def test_sync_templates_is_idempotent():
    sync_templates()
    before = list(PipelineTemplate.objects.order_by("slug").values())
    assert sync_templates().startswith(f"templates: 0 installed, 0 updated, {len(SLUGS)} unchanged")
    assert list(PipelineTemplate.objects.order_by("slug").values()) == before


def test_sync_templates_updates_a_changed_sample_and_keeps_its_row(tmp_path: Path):
    sample = json.loads((SAMPLES_DIR / "iris-classification.json").read_text())
    (tmp_path / "iris-classification.json").write_text(json.dumps(sample))
    templates_sync(tmp_path)
    original = PipelineTemplate.objects.get()
    sample["description"] = "Changed."
    (tmp_path / "iris-classification.json").write_text(json.dumps(sample))
    result = templates_sync(tmp_path)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    changed = PipelineTemplate.objects.get()
    assert changed.pk == original.pk and changed.description == "Changed."
    assert changed.document["description"] == "Changed."


def test_the_sample_loader_reads_name_and_description_from_the_document():
    samples = {sample.slug: sample for sample in samples_load()}
    diabetes = samples["diabetes-regression"]
    assert diabetes.name == "Diabetes regression"
    assert diabetes.description == diabetes.document["description"]


def test_the_api_lists_templates_with_their_node_counts(api, templates):
    response = api.get("/api/templates/")
    assert response.status_code == 200
    listed = {item["slug"]: item for item in response.json()}
    assert sorted(listed) == SLUGS
    assert listed["iris-classification"] == {
        "slug": "iris-classification",
        "name": "Iris classification",
        "description": templates["iris-classification"].description,
        "node_count": 5,
    }
    assert listed["breast-cancer-comparison"]["node_count"] == 9


def test_instantiating_a_template_creates_a_valid_pipeline_owned_by_the_caller(
    api, templates, owner
):
    response = api.post("/api/templates/iris-classification/instantiate/", {}, format="json")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    assert body["name"] == "Iris classification"
    assert body["latest_version"] == 1
    assert body["latest"]["is_valid"] is True and body["latest"]["errors"] == []
    document = body["latest"]["document"]
    assert document["nodes"] == templates["iris-classification"].document["nodes"]
    assert document["name"] == "Iris classification"
    pipeline = Pipeline.objects.get(pk=body["id"])
    assert pipeline.owner == owner
    assert pipeline.description == templates["iris-classification"].description


def test_instantiating_twice_generates_unique_names(api, templates):
    names = [
        api.post("/api/templates/iris-classification/instantiate/", {}, format="json").json()[
            "name"
        ]
        for _ in range(3)
    ]
    assert names == ["Iris classification", "Iris classification (2)", "Iris classification (3)"]


def test_a_given_name_is_used_and_a_taken_one_is_refused(api, templates):
    url = "/api/templates/diabetes-regression/instantiate/"
    created = api.post(url, {"name": "My diabetes study"}, format="json")
    assert created.status_code == 201
    assert created.json()["name"] == "My diabetes study"
    assert created.json()["latest"]["document"]["name"] == "My diabetes study"
    taken = api.post(url, {"name": "My diabetes study"}, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "name_taken"


def test_an_unknown_template_is_404(api, templates):
    response = api.post("/api/templates/nope/instantiate/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_templates_need_a_signed_in_user(client, templates):
    assert client.get("/api/templates/").status_code in {401, 403}
    response = client.post("/api/templates/iris-classification/instantiate/")
    assert response.status_code in {401, 403}
    assert not Pipeline.objects.exists()
