"""A run's name, description and tags: set by whoever may see the run, shown with the run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def label_url(run) -> str:
    return f"/api/runs/{run.pk}/label/"


def test_a_run_can_be_named_described_and_tagged_and_the_run_shows_it(api, run):
    body = {"name": "baseline", "description": "first try", "tags": {"team": "fraud"}}
    response = api.patch(label_url(run), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == body
    shown = api.get(f"/api/runs/{run.pk}/").json()
    assert (shown["name"], shown["description"], shown["tags"]) == (
        "baseline",
        "first try",
        {"team": "fraud"},
    )
    listed = api.get("/api/runs/").json()["results"][0]
    assert listed["name"] == "baseline"


def test_fields_left_out_keep_their_value(api, run):
    api.patch(label_url(run), {"name": "baseline", "tags": {"a": "1"}}, format="json")
    response = api.patch(label_url(run), {"description": "now described"}, format="json")
    assert response.json() == {
        "name": "baseline",
        "description": "now described",
        "tags": {"a": "1"},
    }


def test_an_unlabelled_run_has_an_empty_name_and_no_tags(api, run):
    shown = api.get(f"/api/runs/{run.pk}/").json()
    assert (shown["name"], shown["description"], shown["tags"]) == ("", "", {})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 201}, "name"),
        ({"tags": {"": "v"}}, "tags"),
        ({"tags": ["not", "a", "map"]}, "tags"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags"),
    ],
)
def test_a_bad_label_is_refused_with_400_naming_the_field(api, run, body, field):
    response = api.patch(label_url(run), body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message", "details"}
    assert field in error["details"]


def test_an_outsider_can_neither_read_nor_label_someone_elses_run(outsider_api, run):
    assert outsider_api.get(label_url(run)).status_code == 404
    response = outsider_api.patch(label_url(run), {"name": "mine"}, format="json")
    assert response.status_code == 404
