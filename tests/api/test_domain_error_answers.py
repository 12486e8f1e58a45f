"""Each domain error a view lets through gets the same answer, byte for byte, as before it
was mapped in api/errors.py: status, code, message and details, through HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from designer.core.models import ApiToken
from tests.api import spec_yaml, upload, zip_bytes

pytestmark = pytest.mark.django_db
CODE = {"echo.py": b"print('hello')\n"}


def answer(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details if details is not None else {}}


@pytest.fixture
def staff_api(admin_user_: Any) -> APIClient:
    _, key = ApiToken.issue(user=admin_user_, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# Pipelines: a name is unique, whichever way the pipeline gets it.

TAKEN = body(
    "name_taken", "a pipeline named 'taken' already exists; choose another name", {"name": "taken"}
)


def test_creating_a_pipeline_under_a_taken_name_answers_409_naming_it(api: Any) -> None:
    assert api.post("/api/pipelines/", {"name": "taken"}, format="json").status_code == 201
    assert answer(api.post("/api/pipelines/", {"name": "taken"}, format="json")) == (409, TAKEN)


def test_saving_a_version_renamed_to_a_taken_name_answers_409_naming_it(api: Any) -> None:
    api.post("/api/pipelines/", {"name": "taken"}, format="json")
    other = api.post("/api/pipelines/", {"name": "other"}, format="json").json()
    document = other["latest"]["document"] | {"name": "taken"}
    saved = api.post(
        f"/api/pipelines/{other['id']}/versions/", {"document": document}, format="json"
    )
    assert answer(saved) == (409, TAKEN)


def test_cloning_to_a_taken_name_answers_409_naming_it(api: Any) -> None:
    source = api.post("/api/pipelines/", {"name": "taken"}, format="json").json()
    cloned = api.post(f"/api/pipelines/{source['id']}/clone/", {"name": "taken"}, format="json")
    assert answer(cloned) == (409, TAKEN)


def test_a_template_instantiated_under_a_taken_name_answers_409_naming_it(api: Any) -> None:
    from designer.pipelines.documents import new_document
    from designer.pipelines.models import PipelineTemplate

    PipelineTemplate.objects.create(slug="empty", name="Empty", document=new_document("Empty"))
    api.post("/api/pipelines/", {"name": "taken"}, format="json")
    made = api.post("/api/templates/empty/instantiate/", {"name": "taken"}, format="json")
    assert answer(made) == (409, TAKEN)


# Components: the spec, the owner, the archive, an immutable version, an unknown version.


def publish(client: Any, spec: str, code: bytes | None = None) -> Any:
    data: dict[str, Any] = {"spec": spec}
    if code is not None:
        data["code"] = upload("code.zip", code)
    return client.post("/api/components/", data, format="multipart")


def test_an_invalid_spec_answers_400_listing_every_problem(api: Any) -> None:
    spec = spec_yaml(command="python echo.py ${{inputs.nope}} ${{outputs.gone}}")
    status, found = answer(publish(api, spec, zip_bytes(CODE)))
    problems = found["details"]["problems"]
    assert status == 400 and found["code"] == "invalid_component" and len(problems) >= 2
    listed = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    assert found == body(
        "invalid_component", f"The component spec is invalid: {listed}", {"problems": problems}
    )
    assert set(problems[0]) >= {"field", "message"}


def test_publishing_a_version_of_a_name_owned_by_another_user_answers_403_naming_the_owner(
    api: Any, outsider_api: Any
) -> None:
    assert publish(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    status, found = answer(publish(outsider_api, spec_yaml(version="2"), zip_bytes(CODE)))
    assert (status, found) == (
        403,
        body(
            "permission_denied",
            "Component 'echo_text' belongs to olivia; only olivia or an admin can publish new "
            "versions of it. Publish under another name.",
            {"name": "echo_text", "owner": {"kind": "user", "name": "olivia", "group": None}},
        ),
    )


def test_code_that_is_no_archive_answers_400_invalid_archive(api: Any) -> None:
    status, found = answer(publish(api, spec_yaml(), b"just some bytes"))
    assert (status, found["code"], found["details"]) == (400, "invalid_archive", {})
    assert found["message"].startswith("not a readable zip or tar.gz archive: ")


def test_a_published_version_with_other_content_answers_409_naming_it(api: Any) -> None:
    assert publish(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    changed = publish(api, spec_yaml(description="Another."), zip_bytes(CODE))
    assert answer(changed) == (
        409,
        body(
            "version_immutable",
            "echo_text@1 is already registered with different content; published versions are "
            "immutable: bump the version to publish a change",
            {"ref": "echo_text@1"},
        ),
    )


def test_an_unknown_version_of_a_visible_component_answers_404_naming_it(api: Any) -> None:
    assert publish(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    missing = body("not_found", "component 'echo_text' has no version '9'")
    assert answer(api.get("/api/components/echo_text/versions/9/")) == (404, missing)
    assert answer(api.get("/api/components/echo_text/versions/9/code/")) == (404, missing)


# Datastores: registering, granting and browsing.


def test_registering_a_datastore_over_no_folder_answers_400_naming_the_field(
    staff_api: Any,
) -> None:
    created = staff_api.post("/api/datastores/", {"name": "bad", "root": "relative"}, format="json")
    assert answer(created) == (
        400,
        body(
            "invalid_datastore",
            "'relative' is not an existing absolute folder",
            {"field": "root"},
        ),
    )


def test_a_grant_to_nobody_answers_400_invalid_grant(staff_api: Any, tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    lab = {"name": "lab", "root": str(tmp_path / "lab")}
    assert staff_api.post("/api/datastores/", lab, format="json").status_code == 201
    granted = staff_api.post("/api/datastores/lab/grants/", {}, format="json")
    assert answer(granted) == (
        400,
        body("invalid_grant", "grant to exactly one user or one group", {"field": "user"}),
    )


def test_browsing_a_missing_folder_answers_404_and_a_file_answers_400(
    staff_api: Any, tmp_path: Path
) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "data.csv").write_text("a\n1\n")
    lab = {"name": "lab", "root": str(tmp_path / "lab")}
    assert staff_api.post("/api/datastores/", lab, format="json").status_code == 201
    missing = staff_api.get("/api/datastores/lab/browse/", {"path": "nope"})
    status, found = answer(missing)
    assert (status, found["code"], found["details"]) == (404, "path_not_found", {"field": "path"})
    assert str(tmp_path) not in found["message"]
    a_file = staff_api.get("/api/datastores/lab/browse/", {"path": "data.csv"})
    status, found = answer(a_file)
    assert (status, found["code"], found["details"]) == (400, "wrong_kind", {"field": "path"})
    uploads = staff_api.get("/api/datastores/uploads/browse/", {"path": "deeper"})
    assert answer(uploads) == (
        404,
        body("path_not_found", "uploads are listed at the top level only", {"field": "path"}),
    )


# Environments.

ENV_YAML = "name: team-env\nversion: '1'\nimage: python:3.11\n"


def test_an_invalid_environment_answers_400_naming_the_problem(api: Any) -> None:
    text = "name: 'bad name'\nversion: 1\nimage: python:3.11\n"
    answered = api.post("/api/environments/", {"yaml": text}, format="json")
    assert answer(answered) == (
        400,
        body("invalid_environment", "name: 'bad name' must be letters, digits, '_', '.', '-'"),
    )


def test_a_version_of_another_users_environment_answers_403(api: Any, outsider_api: Any) -> None:
    assert api.post("/api/environments/", {"yaml": ENV_YAML}, format="json").status_code == 201
    other = ENV_YAML.replace("'1'", "'2'")
    answered = outsider_api.post("/api/environments/", {"yaml": other}, format="json")
    assert answer(answered) == (
        403,
        body("permission_denied", "environment name 'team-env' belongs to another publisher"),
    )


def test_an_environment_version_with_other_content_answers_409(api: Any) -> None:
    assert api.post("/api/environments/", {"yaml": ENV_YAML}, format="json").status_code == 201
    changed = ENV_YAML.replace("3.11", "3.12")
    answered = api.post("/api/environments/", {"yaml": changed}, format="json")
    assert answer(answered) == (
        409,
        body(
            "conflict",
            "environment team-env@1 is already registered with different content; versions "
            "are immutable, register a new version",
        ),
    )


# YAML import and dataset uploads.


def test_a_yaml_import_refused_for_one_reason_answers_400_with_its_issue(api: Any) -> None:
    text = "type: pipeline\njobs:\n  big: {type: spark, entry: {file: x.py}}\n"
    status, found = answer(api.post("/api/pipelines/import/", {"yaml": text}, format="json"))
    errors = found["details"]["errors"]
    assert status == 400 and len(errors) == 1
    assert found == body(
        "invalid_pipeline_yaml",
        "The pipeline YAML cannot be imported: " + errors[0]["message"],
        {"errors": errors},
    )
    assert set(errors[0]) == {"node", "port", "code", "message"}


def test_a_yaml_import_refused_for_many_reasons_counts_the_others(api: Any) -> None:
    text = (
        "type: pipeline\njobs:\n  big: {type: spark, entry: {file: x.py}}\n"
        "  auto: {type: automl, task: classification}\n"
    )
    status, found = answer(api.post("/api/pipelines/import/", {"yaml": text}, format="json"))
    errors = found["details"]["errors"]
    assert status == 400 and len(errors) == 2
    assert found == body(
        "invalid_pipeline_yaml",
        "The pipeline YAML cannot be imported: "
        + errors[0]["message"]
        + " (and 1 more; see details)",
        {"errors": errors},
    )


def test_a_yaml_bundle_that_is_no_archive_answers_400_invalid_archive(api: Any) -> None:
    data = {"yaml": "type: pipeline\njobs: {}\n", "bundle": upload("b.zip", b"not a zip")}
    status, found = answer(api.post("/api/pipelines/import/", data, format="multipart"))
    assert (status, found["code"], found["details"]) == (400, "invalid_archive", {})
    assert found["message"].startswith("not a readable zip or tar.gz archive: ")


def test_importing_over_another_users_pipeline_answers_403(api: Any, outsider_api: Any) -> None:
    assert publish(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    assert api.post("/api/pipelines/", {"name": "theirs"}, format="json").status_code == 201
    text = "type: pipeline\nname: theirs\njobs:\n  e: {component: 'azureml:echo_text:1'}\n"
    answered = outsider_api.post("/api/pipelines/import/", {"yaml": text}, format="json")
    assert answer(answered) == (
        403,
        body(
            "permission_denied",
            "a pipeline named 'theirs' belongs to olivia; import under another name (--name)",
        ),
    )


def test_a_dataset_folder_that_is_no_zip_answers_400_invalid_dataset(api: Any) -> None:
    data = {"file": upload("folder.zip", b"not a zip"), "folder": True}
    status, found = answer(api.post("/api/datasets/", data, format="multipart"))
    assert (status, found["code"], found["details"]) == (400, "invalid_dataset", {})
    assert found["message"].startswith("not a readable zip or tar.gz archive: ")


def test_a_dataset_without_a_usable_file_name_answers_400_invalid_dataset(api: Any) -> None:
    data = {"file": upload("...", b"a\n1\n")}
    answered = api.post("/api/datasets/", data, format="multipart")
    assert answer(answered) == (400, body("invalid_dataset", "the upload needs a file name"))
