"""A component name belongs to its first publisher (or the system); others get 403 naming them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from designer.core.models import ApiToken
from designer.registry.models import Component, ComponentVersion
from designer.registry.services import version_get
from tests.api import assert_error_shape, spec_yaml, store_files, upload, zip_bytes

pytestmark = pytest.mark.django_db
URL = "/api/components/"
CODE = {"echo.py": b"print('hello')\n"}


def client_for(user: Any) -> APIClient:
    _, key = ApiToken.issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def publish(client: Any, spec: str) -> Any:
    return client.post(URL, {"spec": spec, "code": upload("code.zip", zip_bytes(CODE))})


def enter_data_99() -> str:
    return spec_yaml("enter_data", "99", command="python echo.py --out ${{outputs.result}}")


def test_a_non_staff_user_publishing_enter_data_99_is_refused_and_latest_stays_the_builtin(
    builtins: Any, api: Any, admin_user_: Any
) -> None:
    before = store_files()
    response = publish(api, enter_data_99())
    assert response.status_code == 403, response.json()
    body = response.json()
    assert_error_shape(body, "permission_denied")
    assert "enter_data" in body["message"] and "the system" in body["message"]
    assert body["details"]["owner"] == {"kind": "system", "name": "system", "group": None}
    assert not ComponentVersion.objects.filter(component__name="enter_data", version="99")
    assert store_files() == before  # nothing unpacked, nothing published
    latest = client_for(admin_user_).get(f"{URL}enter_data/versions/latest/").json()
    assert (latest["version"], latest["source"]) == ("1", "builtin")


def test_staff_may_publish_a_new_version_of_a_builtin(builtins: Any, admin_user_: Any) -> None:
    response = publish(client_for(admin_user_), enter_data_99())
    assert response.status_code == 201, response.json()
    assert version_get("enter_data", "latest").version == "99"
    assert Component.objects.get(name="enter_data").is_system  # staff publishing keeps it so


def test_another_users_upload_of_an_existing_name_gets_403_naming_the_owner(
    api: Any, outsider_api: Any, owner: Any
) -> None:
    assert publish(api, spec_yaml("echo_text", "1")).status_code == 201
    response = publish(outsider_api, spec_yaml("echo_text", "2"))
    assert response.status_code == 403, response.json()
    body = response.json()
    assert_error_shape(body, "permission_denied")
    assert "olivia" in body["message"]
    assert body["details"] == {
        "name": "echo_text",
        "owner": {"kind": "user", "name": "olivia", "group": None},
    }
    assert version_get("echo_text", "latest").version == "1"


def test_the_first_publisher_owns_the_name_and_publishes_new_versions(api: Any, owner: Any) -> None:
    assert publish(api, spec_yaml("echo_text", "1")).status_code == 201
    assert publish(api, spec_yaml("echo_text", "2")).status_code == 201
    component = Component.objects.get(name="echo_text")
    assert component.owner == owner and component.owner_group is None


def test_members_of_the_owning_group_may_publish_new_versions(
    api: Any, owner: Any, outsider: Any, outsider_api: Any, django_user_model: Any
) -> None:
    team = Group.objects.create(name="ml-team")
    owner.groups.add(team)
    response = api.post(
        URL,
        {
            "spec": spec_yaml("echo_text", "1"),
            "group": "ml-team",
            "code": upload("c.zip", zip_bytes(CODE)),
        },
    )
    assert response.status_code == 201, response.json()
    stranger = django_user_model.objects.create_user(username="sam", password="pw-sam-1")
    assert publish(client_for(stranger), spec_yaml("echo_text", "2")).status_code == 403
    outsider.groups.add(team)
    assert publish(outsider_api, spec_yaml("echo_text", "2")).status_code == 201
    assert client_for(stranger).get(f"{URL}echo_text/").json()["owner"] == {
        "kind": "user",
        "name": "olivia",
        "group": "ml-team",
    }


def test_naming_a_group_you_do_not_belong_to_is_refused(api: Any) -> None:
    Group.objects.create(name="admins-only")
    response = api.post(URL, {"spec": spec_yaml("echo_text", "1"), "group": "admins-only"})
    assert response.status_code == 403
    assert_error_shape(response.json(), "permission_denied")
    assert "admins-only" in response.json()["message"]
    missing = api.post(URL, {"spec": spec_yaml("echo_text", "1"), "group": "nope"})
    assert missing.status_code == 400 and "group" in missing.json()["message"]
    assert not Component.objects.filter(name="echo_text").exists()


def test_re_uploading_an_identical_version_of_someone_elses_component_is_not_refused(
    api: Any, outsider_api: Any
) -> None:
    spec = spec_yaml("echo_text", "1")
    assert publish(api, spec).status_code == 201
    again = publish(outsider_api, spec)
    assert again.status_code == 200, again.json()
    assert again.json()["created"] is False


def test_the_owner_is_shown_in_the_component_list_and_detail(
    builtins: Any, api: Any, outsider_api: Any
) -> None:
    assert publish(api, spec_yaml("echo_text", "1")).status_code == 201
    rows = {
        c["name"]: c["owner"] for c in outsider_api.get(f"{URL}?page_size=500").json()["results"]
    }
    assert rows["echo_text"] == {"kind": "user", "name": "olivia", "group": None}
    assert rows["load_csv"] == {"kind": "system", "name": "system", "group": None}
    detail = outsider_api.get(f"{URL}enter_data/").json()
    assert detail["owner"]["kind"] == "system"


def test_syncing_a_builtin_claims_its_name_for_the_system(api: Any, settings: Any) -> None:
    from designer.registry.services import component_register

    assert publish(api, spec_yaml("echo_text", "1")).status_code == 201
    component_register(yaml_text=spec_yaml("echo_text", "5", code=None), source="builtin")
    assert Component.objects.get(name="echo_text").is_system
    assert publish(api, spec_yaml("echo_text", "6")).status_code == 403


def test_a_yaml_import_carrying_enter_data_99_gets_an_anonymous_version_and_latest_stays(
    builtins: Any, api: Any, settings: Any, tmp_path: Any
) -> None:
    """Issue 12: a pipeline's own component file is anonymous, in the importer's namespace."""
    from tests.yaml_io.conftest import import_yaml

    settings.CONVEYOR_HOME = tmp_path / "home"
    folder = tmp_path / "bundle"
    (folder / "enter").mkdir(parents=True)
    (folder / "enter" / "enter.yml").write_text(
        spec_yaml("enter_data", "99", code=None, command="echo hi > ${{outputs.result}}/x")
    )
    (folder / "pipeline.yml").write_text(
        "type: pipeline\ndisplay_name: sneaky\njobs:\n"
        "  one:\n    type: command\n    component: ./enter/enter.yml\n"
    )
    response = import_yaml(api, folder / "pipeline.yml")
    assert response.status_code == 201, response.json()
    ref = response.json()["latest"]["document"]["nodes"][0]["component"]
    assert ref.startswith("enter_data@") and ref != "enter_data@99"
    assert not ComponentVersion.objects.filter(component__name="enter_data", version="99")
    assert version_get("enter_data", "latest").version == "1"
    assert Component.objects.get(name="enter_data").is_system
