"""POST /api/components/: a spec plus a zip or tar.gz of its code; hostile archives refused."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.registry.models import Component, ComponentVersion
from tests.api import (
    assert_error_shape,
    spec_yaml,
    store_files,
    tar_bytes,
    tar_file,
    tar_gz,
    upload,
    zip_bytes,
)

pytestmark = pytest.mark.django_db
URL = "/api/components/"
CODE = {"echo.py": b"print('hello')\n", "lib/util.py": b"X = 1\n"}


def post(api: Any, spec: str, code: bytes | None = None, name: str = "code.zip") -> Any:
    data: dict[str, Any] = {"spec": spec}
    if code is not None:
        data["code"] = upload(name, code)
    return api.post(URL, data, format="multipart")


def stored_code(name: str, version: str) -> Path:
    found = ComponentVersion.objects.get(component__name=name, version=version)
    return Path(settings.STORE_DIR) / found.code_path


def test_a_spec_with_a_zip_of_its_code_is_registered_with_the_code_in_the_store(
    api: Any, owner: Any
) -> None:
    response = post(api, spec_yaml(), zip_bytes(CODE))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["ref"], body["created"], body["source"]) == ("echo_text@1", True, "upload")
    assert body["created_by"] == owner.username
    assert set(body["inputs"]) == {"message"} and set(body["outputs"]) == {"result"}
    code = stored_code("echo_text", "1")
    assert (code / "echo.py").read_bytes() == CODE["echo.py"]
    assert (code / "lib" / "util.py").read_bytes() == CODE["lib/util.py"]


def test_a_spec_with_a_tar_gz_of_its_code_is_registered(api: Any) -> None:
    response = post(api, spec_yaml(), tar_gz(CODE), name="code.tar.gz")
    assert response.status_code == 201, response.json()
    assert (stored_code("echo_text", "1") / "lib" / "util.py").read_bytes() == b"X = 1\n"


def test_the_same_code_as_zip_or_tar_gz_gives_the_same_digest(api: Any) -> None:
    first = post(api, spec_yaml(), zip_bytes(CODE)).json()
    again = post(api, spec_yaml(), tar_gz(CODE), name="code.tar.gz")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["digest"] == first["digest"]


def test_the_spec_can_be_sent_as_a_file(api: Any) -> None:
    response = api.post(
        URL,
        {
            "spec_file": upload("component.yml", spec_yaml().encode()),
            "code": upload("c.zip", zip_bytes(CODE)),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ref"] == "echo_text@1"


def test_a_spec_without_code_can_be_registered_as_json(api: Any) -> None:
    response = api.post(URL, {"spec": spec_yaml(code=None)}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code_digest"] == ""


def test_a_spec_naming_a_code_folder_without_an_archive_is_refused(api: Any) -> None:
    response = post(api, spec_yaml())
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_component")
    assert [p["field"] for p in response.json()["details"]["problems"]] == ["code"]


def test_a_request_without_a_spec_is_refused_naming_the_field(api: Any) -> None:
    response = api.post(URL, {"code": upload("c.zip", zip_bytes(CODE))}, format="multipart")
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert "spec" in response.json()["details"]


def test_an_invalid_spec_is_refused_listing_every_problem_with_its_field(api: Any) -> None:
    bad = (
        spec_yaml()
        .replace("type: string", "type: text")
        .replace("${{inputs.message}}", "${{inputs.missing}}")
    )
    response = post(api, bad, zip_bytes(CODE))
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid_component")
    fields = {p["field"] for p in body["details"]["problems"]}
    assert "inputs.message.type" in fields
    assert any(f.startswith("command") for f in fields), fields
    assert "inputs.message.type" in body["message"]
    assert not Component.objects.exists()


def test_malformed_yaml_is_refused_with_its_line_and_column(api: Any) -> None:
    response = post(api, "name: x\ninputs: [unclosed\n", zip_bytes(CODE))
    assert response.status_code == 400
    [problem] = response.json()["details"]["problems"]
    assert problem["field"] == "yaml"
    assert problem["line"] is not None and problem["column"] is not None


def test_a_changed_upload_of_a_published_version_is_refused_as_immutable(api: Any) -> None:
    assert post(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    before = store_files()
    changed = post(api, spec_yaml(), zip_bytes({**CODE, "echo.py": b"print('changed')\n"}))
    assert changed.status_code == 409
    body = changed.json()
    assert_error_shape(body, "version_immutable")
    assert "immutable" in body["message"]
    assert body["details"] == {"ref": "echo_text@1"}
    assert (stored_code("echo_text", "1") / "echo.py").read_bytes() == CODE["echo.py"]
    assert ComponentVersion.objects.count() == 1
    assert _without_tmp(store_files()) == _without_tmp(before)


def test_an_upload_as_an_outsider_is_attributed_to_them(outsider_api: Any, outsider: Any) -> None:
    response = post(outsider_api, spec_yaml(), zip_bytes(CODE))
    assert response.status_code == 201
    assert response.json()["created_by"] == outsider.username


# Hostile archives ----------------------------------------------------------------------


def _without_tmp(paths: set[str]) -> set[str]:
    return {p for p in paths if p != "tmp"}


def _tmp_leftovers() -> list[Path]:
    tmp = Path(settings.STORE_DIR) / "tmp"
    return sorted(tmp.iterdir()) if tmp.is_dir() else []


def assert_refused_leaving_nothing(response: Any, member: str, before: set[str]) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert_error_shape(body, "invalid_archive")
    assert member in body["message"], body["message"]
    assert _tmp_leftovers() == []
    assert _without_tmp(store_files()) == _without_tmp(before)
    assert not ComponentVersion.objects.exists()
    assert not Component.objects.exists()


def _zip_with(info: zipfile.ZipInfo, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.py", b"print(1)\n")
        archive.writestr(info, data)
    return buffer.getvalue()


def _symlink_zip(name: str, target: str) -> bytes:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return _zip_with(info, target.encode())


def _tar_link(name: str, kind: bytes, target: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def _tar_special(name: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info, None


HOSTILE: dict[str, tuple[str, bytes, str]] = {
    "zip-dotdot": ("c.zip", zip_bytes({"ok.py": b"1", "../evil.py": b"x"}), "../evil.py"),
    "zip-nested-dotdot": ("c.zip", zip_bytes({"a/../../evil.py": b"x"}), "a/../../evil.py"),
    "zip-absolute": ("c.zip", zip_bytes({"ok.py": b"1", "/etc/x": b"x"}), "/etc/x"),
    "zip-symlink": ("c.zip", _symlink_zip("link", "/etc/passwd"), "link"),
    "tar-dotdot": ("c.tar.gz", tar_gz({"ok.py": b"1", "../evil.py": b"x"}), "../evil.py"),
    "tar-absolute": ("c.tar.gz", tar_gz({"/etc/x": b"x"}), "/etc/x"),
    "tar-symlink": (
        "c.tar.gz",
        tar_bytes([tar_file("ok.py", b"1"), _tar_link("link", tarfile.SYMTYPE, "/etc/passwd")]),
        "link",
    ),
    "tar-hardlink": (
        "c.tar.gz",
        tar_bytes([tar_file("ok.py", b"1"), _tar_link("hard", tarfile.LNKTYPE, "ok.py")]),
        "hard",
    ),
    "tar-chardev": (
        "c.tar.gz",
        tar_bytes([tar_file("ok.py", b"1"), _tar_special("null", tarfile.CHRTYPE)]),
        "null",
    ),
    "tar-blockdev": (
        "c.tar.gz",
        tar_bytes([_tar_special("disk", tarfile.BLKTYPE)]),
        "disk",
    ),
    "tar-fifo": ("c.tar.gz", tar_bytes([_tar_special("pipe", tarfile.FIFOTYPE)]), "pipe"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_naming_the_member_and_leaves_nothing_behind(
    api: Any, case: str
) -> None:
    filename, data, member = HOSTILE[case]
    before = store_files()
    response = post(api, spec_yaml(), data, name=filename)
    assert_refused_leaving_nothing(response, member, before)


def test_a_dotdot_member_is_not_written_outside_the_store(api: Any, tmp_path: Path) -> None:
    post(api, spec_yaml(), zip_bytes({"../../../escaped.py": b"x"}))
    assert not any(Path(settings.STORE_DIR).parent.rglob("escaped.py"))


def test_a_member_larger_than_the_limit_is_refused(api: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    before = store_files()
    data = zip_bytes({"ok.py": b"1", "big.bin": b"\0" * 10_000})  # compresses far below 4 KiB
    assert len(data) < 4096
    response = post(api, spec_yaml(), data)
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_archive")
    assert "limit" in response.json()["message"]
    assert _tmp_leftovers() == [] and _without_tmp(store_files()) == _without_tmp(before)
    assert not ComponentVersion.objects.exists()


def _lying_zip(real: bytes, claimed: int) -> bytes:
    """A zip whose headers claim `claimed` bytes for a member that really unpacks to more."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", real)
    data = bytearray(buffer.getvalue())
    size = len(real).to_bytes(4, "little")
    fake = claimed.to_bytes(4, "little")
    # The uncompressed size sits in the local header (offset 22) and the central directory
    # entry (offset 24 from its signature); patch both so the archive looks small.
    assert data[22:26] == size
    data[22:26] = fake
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 24 : central + 28] == size
    data[central + 24 : central + 28] = fake
    return bytes(data)


def test_a_zip_whose_headers_lie_about_the_size_is_stopped_at_the_limit(
    api: Any, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    before = store_files()
    response = post(api, spec_yaml(), _lying_zip(b"\0" * 100_000, claimed=10))
    assert response.status_code == 400, response.json()
    assert_error_shape(response.json(), "invalid_archive")
    assert _tmp_leftovers() == [] and _without_tmp(store_files()) == _without_tmp(before)
    assert not ComponentVersion.objects.exists()


def test_a_tar_member_larger_than_the_limit_is_refused(api: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    data = tar_gz({"big.bin": b"\0" * 50_000})
    assert len(data) < 4096
    response = post(api, spec_yaml(), data, name="c.tar.gz")
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_archive")
    assert not ComponentVersion.objects.exists()


def test_an_archive_larger_than_the_limit_is_refused_before_unpacking(
    api: Any, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    data = zip_bytes({f"f{i}.bin": os.urandom(1024) for i in range(8)})
    assert len(data) > 4096
    response = post(api, spec_yaml(), data)
    assert response.status_code == 413
    assert_error_shape(response.json(), "too_large")
    assert _tmp_leftovers() == []
    assert not ComponentVersion.objects.exists()


def test_an_archive_with_too_many_files_is_refused(api: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_FILES = 5
    before = store_files()
    response = post(api, spec_yaml(), zip_bytes({f"f{i}.py": b"1" for i in range(6)}))
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_archive")
    assert "limit is 5" in response.json()["message"]
    assert _tmp_leftovers() == [] and _without_tmp(store_files()) == _without_tmp(before)


def test_a_file_that_is_not_an_archive_is_refused(api: Any) -> None:
    response = post(api, spec_yaml(), b"this is not an archive at all", name="c.zip")
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_archive")
    assert _tmp_leftovers() == []
    assert not ComponentVersion.objects.exists()


def test_a_hostile_archive_for_an_existing_component_changes_nothing(api: Any) -> None:
    assert post(api, spec_yaml(), zip_bytes(CODE)).status_code == 201
    before = store_files()
    response = post(api, spec_yaml(version="2"), zip_bytes({"../x": b"x"}))
    assert response.status_code == 400
    assert _without_tmp(store_files()) == _without_tmp(before)
    assert list(ComponentVersion.objects.values_list("version", flat=True)) == ["1"]
