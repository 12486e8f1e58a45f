"""The runs API: submit, visibility, cancel, rerun, logs, events."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from designer.engine.models import Run
from tests.factories import document, edge, node, wait_run, wait_step

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:
    from designer.core.models import ApiToken

    _, key = ApiToken.issue(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def typed_doc() -> dict:
    return document(
        [node("e", "t_echo@1", text={"pipeline_input": "greeting"})],
        inputs={"greeting": {"type": "string"}},
    )


def test_submitting_without_a_required_input_is_refused_with_the_errors(api, make_version):
    version = make_version(typed_doc())
    response = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json")
    assert response.status_code == 400
    errors = response.json()["details"]["errors"]
    assert [e["code"] for e in errors] == ["missing_required_input"]
    assert not Run.objects.exists()


def test_a_value_of_the_wrong_type_is_refused(api, make_version):
    version = make_version(typed_doc())
    body = {"pipeline": version.pipeline_id, "inputs": {"greeting": 42}}
    response = api.post("/api/runs/", body, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["errors"][0]["code"] == "invalid_value"


def test_an_unknown_compute_pool_is_refused(api, make_version):
    version = make_version(document([node("e", "t_echo@1")]))
    body = {"pipeline": version.pipeline_id, "settings": {"default_compute": "tpu"}}
    response = api.post("/api/runs/", body, format="json")
    assert response.status_code == 400
    assert "unknown_compute" in {e["code"] for e in response.json()["details"]["errors"]}


def test_an_invalid_version_is_refused(api, make_version):
    doc = document([node("a", "t_join@1")])
    version = make_version(doc)
    response = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json")
    assert response.status_code == 400
    assert "missing_required_input" in {e["code"] for e in response.json()["details"]["errors"]}


@pytest.mark.live
def test_a_run_is_submitted_listed_and_detailed(embedded, api, make_version):
    version = make_version(typed_doc())
    body = {"pipeline": version.pipeline_id, "inputs": {"greeting": "hello"}}
    response = api.post("/api/runs/", body, format="json")
    assert response.status_code == 201
    run_id = response.json()["id"]
    wait_run(Run.objects.get(pk=run_id))
    detail = api.get(f"/api/runs/{run_id}/").json()
    assert detail["status"] == "Completed"
    step = detail["steps"][0]
    assert step["node"] == "e" and step["params"] == {"text": "hello"}
    assert step["outputs"]["out"]["size"] == 6 and len(step["cache_key"]) == 64
    listed = api.get("/api/runs/", {"status": "Completed"}).json()
    assert [r["id"] for r in listed["results"]] == [run_id]
    assert api.get("/api/runs/", {"status": "Failed"}).json()["results"] == []


@pytest.mark.live
def test_an_outsider_cannot_see_someone_elses_run(embedded, api, make_version, outsider):
    version = make_version(document([node("e", "t_echo@1")]))
    run_id = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    other = client_for(outsider)
    assert other.get(f"/api/runs/{run_id}/").status_code == 404
    assert other.post(f"/api/runs/{run_id}/cancel/").status_code == 404
    assert other.get(f"/api/runs/{run_id}/events/").status_code == 404
    assert other.get("/api/runs/").json()["results"] == []


@pytest.mark.live
def test_staff_see_every_run(embedded, api, make_version, admin_user_):
    version = make_version(document([node("e", "t_echo@1")]))
    run_id = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    assert client_for(admin_user_).get(f"/api/runs/{run_id}/").status_code == 200


@pytest.mark.live
def test_cancel_and_rerun_over_the_api(embedded, api, make_version):
    doc = document(
        [node("slow", "t_sleep@1", seconds=60), node("next", "t_echo@1")],
        [edge("slow.out", "next.data")],
    )
    version = make_version(doc)
    run_id = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    run = Run.objects.get(pk=run_id)
    wait_step(run, "slow", "Running")
    assert api.post(f"/api/runs/{run_id}/cancel/").status_code == 200
    assert wait_run(run).status == "Canceled"
    response = api.post(f"/api/runs/{run_id}/rerun/")
    assert response.status_code == 201
    rerun = response.json()
    assert rerun["rerun_of"] == run_id and rerun["version"] == version.number
    api.post(f"/api/runs/{rerun['id']}/cancel/")
    wait_run(Run.objects.get(pk=rerun["id"]))


@pytest.mark.live
def test_the_log_tail_reads_from_a_byte_offset(embedded, api, make_version):
    version = make_version(document([node("bad", "t_fail@1")]))
    run_id = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    wait_run(Run.objects.get(pk=run_id))
    whole = api.get(f"/api/runs/{run_id}/steps/bad/log/")
    assert whole.status_code == 200
    text = b"".join(whole.streaming_content).decode()
    # The runtime's own lines ("[conveyor] cold start") come first, then the step's.
    assert next(line for line in text.splitlines() if not line.startswith("[conveyor]")) == (
        "about to fail"
    )
    tail = api.get(f"/api/runs/{run_id}/steps/bad/log/tail/", {"offset": 6}).json()
    assert tail["text"] == text[6:]
    assert tail["next_offset"] == len(text.encode()) and tail["complete"] is True
    again = api.get(f"/api/runs/{run_id}/steps/bad/log/tail/", {"offset": tail["next_offset"]})
    assert again.json()["text"] == ""
    assert api.get(f"/api/runs/{run_id}/steps/nope/log/").status_code == 404


@pytest.mark.live
def test_events_replay_after_a_sequence_number(embedded, api, make_version):
    version = make_version(document([node("e", "t_echo@1")]))
    run_id = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    wait_run(Run.objects.get(pk=run_id))
    every = api.get(f"/api/runs/{run_id}/events/").json()["events"]
    assert [e["seq"] for e in every] == list(range(1, len(every) + 1))
    types = [e["type"] for e in every]
    assert types[0] == "run.status" and "step.output" in types
    assert every[-1]["payload"]["status"] == "Completed"
    later = api.get(f"/api/runs/{run_id}/events/", {"after": 2}).json()["events"]
    assert later == every[2:]


@pytest.mark.live
def test_a_step_reused_from_another_users_run_does_not_name_that_run(
    embedded, api, outsider, make_version
):
    version = make_version(document([node("e", "t_echo@1")]))
    first = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    wait_run(Run.objects.get(pk=first))
    again = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json").json()["id"]
    wait_run(Run.objects.get(pk=again))
    own = api.get(f"/api/runs/{again}/").json()["steps"][0]
    assert own["reused"] and own["reused_from_run"] == first and str(first) in own["reason"]

    theirs_client = client_for(outsider)
    answer = theirs_client.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json")
    theirs = answer.json()["id"]
    wait_run(Run.objects.get(pk=theirs))
    step = theirs_client.get(f"/api/runs/{theirs}/").json()["steps"][0]
    assert step["reused"] is True
    assert step["reused_from"] is None and step["reused_from_run"] is None
    assert str(first) not in step["reason"] and "another user" in step["reason"]
    # The engine records it so: the run's events (replayed on the socket) and the run
    # comparison carry the same reason.
    events = theirs_client.get(f"/api/runs/{theirs}/events/").json()["events"]
    reasons = [e["payload"].get("reason") or "" for e in events if e["type"] == "step.status"]
    assert any("another user" in r for r in reasons)
    assert not any(f"run {first}" in r for r in reasons)
    compared = theirs_client.get("/api/runs/compare/", {"ids": str(theirs)}).json()
    assert "another user" in compared["steps"][0]["runs"][0]["reason"]
