"""POST /api/runs/ with an Idempotency-Key: a retried submit never starts a second run."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from designer.engine.models import Run
from tests.factories import document, node

pytestmark = pytest.mark.django_db


def body(version, text: str = "hi") -> dict:
    return {"pipeline": version.pipeline_id, "inputs": {}, "settings": {"force_rerun": text == "x"}}


@pytest.fixture
def version(make_version):
    return make_version(document([node("e", "t_echo@1", text="hello")]))


def test_the_same_key_twice_answers_the_same_run_once_created(api, version):
    first = api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Run.objects.count() == 1
    assert Run.objects.get().idempotency_key == "k-1"


def test_the_same_key_with_another_body_is_refused_with_422(api, version):
    api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/runs/", body(version, "x"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    answer = other.json()
    assert answer["code"] == "idempotency_key_reused"
    assert answer["details"]["header"] == "Idempotency-Key"
    assert Run.objects.count() == 1


def test_without_a_key_every_submit_is_a_new_run(api, version):
    for _ in range(2):
        assert api.post("/api/runs/", body(version), format="json").status_code == 201
    assert Run.objects.count() == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, "caf\u00e9"])
def test_a_malformed_key_is_refused_with_400_naming_the_header(api, version, key):
    response = api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert response.json()["details"]["header"] == "Idempotency-Key"
    assert not Run.objects.exists()


def test_keys_belong_to_their_user(api, version, outsider):
    from designer.core.models import ApiToken

    first = api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    _, token = ApiToken.issue(user=outsider, name="t")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    second = other.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_a_refused_submit_does_not_use_up_its_key(api, make_version, version):
    bad = {"pipeline": version.pipeline_id, "settings": {"default_compute": "tpu"}}
    assert api.post("/api/runs/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 400
    good = api.post("/api/runs/", body(version), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201, "a 400 created nothing, so the key is still free"
