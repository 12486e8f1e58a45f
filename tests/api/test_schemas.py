"""OpenAPI at /api/schema/, local docs pages, and the pipeline JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from tests.api.test_auth import ROUTES

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pipelines"
# Routes that describe the API rather than being part of it.
NOT_IN_SCHEMA = {"/api/schema/", "/api/docs/"}


@pytest.fixture
def openapi(api: Any) -> dict[str, Any]:
    response = api.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_valid_openapi_3(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    validate_openapi(openapi)
    assert openapi["info"]["title"] == "Conveyor API"


def test_the_schema_is_also_served_as_json(api: Any) -> None:
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_every_api_route_is_in_the_schema(openapi: dict[str, Any]) -> None:
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in openapi["paths"]}
    routed = set()
    for route in set(ROUTES) - NOT_IN_SCHEMA:
        routed.add(route)
    # Compare shapes: ROUTES has parameters filled in, the schema has {name} placeholders.
    missing = [
        route
        for route in sorted(routed)
        if not any(re.fullmatch(_as_regex(doc), route) for doc in documented)
    ]
    assert missing == []


def _as_regex(documented: str) -> str:
    return re.escape(documented).replace(r"\{\}", "[^/]+")


def test_the_schema_declares_token_and_session_auth(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header"
    assert "cookieAuth" in schemes


def test_the_docs_page_loads_its_assets_locally(api: Any) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html.lower()
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert sources, html[:500]
    external = [s for s in sources if re.match(r"^(https?:)?//", s)]
    assert external == []
    assert any(s.startswith("/static/") for s in sources)
    assert "/api/schema/" in html


def test_the_pipeline_schema_is_a_valid_json_schema(api: Any) -> None:
    response = api.get("/api/pipeline-schema/")
    assert response.status_code == 200
    schema = response.json()
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["chain", "diamond", "pipeline_inputs"])
def test_the_served_pipeline_schema_accepts_the_fixture_documents(api: Any, name: str) -> None:
    validator = Draft202012Validator(api.get("/api/pipeline-schema/").json())
    document = json.loads((FIXTURES / f"{name}.json").read_text())
    assert list(validator.iter_errors(document)) == []


def test_the_served_pipeline_schema_rejects_a_malformed_document(api: Any) -> None:
    validator = Draft202012Validator(api.get("/api/pipeline-schema/").json())
    document = json.loads((FIXTURES / "chain.json").read_text())
    document["nodes"][0]["colour"] = "red"
    del document["edges"]
    assert len(list(validator.iter_errors(document))) >= 2
