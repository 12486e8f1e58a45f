"""Registry services: registration from files, immutability, snapshots, @latest, sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from designer.registry.models import Component, ComponentVersion
from designer.registry.services import (
    UnknownComponent,
    VersionConflict,
    component_register,
    component_register_file,
    components_sync,
    spec_resolver,
    version_by_ref,
    version_get,
)
from designer.registry.store import CodeFolderError
from designer.registry.types import SpecError
from tests.api import spec_yaml, store_files

pytestmark = pytest.mark.django_db


def write_component(
    root: Path, name: str = "echo_text", version: str = "1", code: str = "print('hi')\n"
) -> Path:
    folder = root / name
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "echo.py").write_text(code)
    spec = folder / "component.yml"
    spec.write_text(spec_yaml(name, version))
    return spec


def test_a_component_is_registered_from_its_file_with_its_code(tmp_path: Path) -> None:
    result = component_register_file(write_component(tmp_path), source="command")
    assert result.created
    version = result.version
    assert (version.ref, version.source, version.display_name) == (
        "echo_text@1",
        "command",
        "Echo Text",
    )
    snapshot = Path(settings.STORE_DIR) / version.code_path
    assert (snapshot / "echo.py").read_text() == "print('hi')\n"
    assert version.code_digest in version.code_path


def test_registering_the_same_content_again_is_a_no_op(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    first = component_register_file(spec, source="command")
    before = store_files()
    again = component_register_file(spec, source="command")
    assert not again.created
    assert again.version.pk == first.version.pk
    assert ComponentVersion.objects.count() == 1
    assert store_files() == before


def test_changed_code_under_a_published_version_is_refused_as_immutable(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    first = component_register_file(spec, source="command")
    before = store_files()
    (spec.parent / "src" / "echo.py").write_text("print('changed')\n")
    with pytest.raises(VersionConflict) as caught:
        component_register_file(spec, source="command")
    assert caught.value.ref == "echo_text@1"
    assert "immutable" in str(caught.value)
    assert store_files() == before  # the refused snapshot did not land in the store
    assert ComponentVersion.objects.get().digest == first.version.digest


def test_a_changed_spec_under_a_published_version_is_refused(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    component_register_file(spec, source="command")
    spec.write_text(spec_yaml(description="Something else."))
    with pytest.raises(VersionConflict):
        component_register_file(spec, source="command")


def test_a_new_version_with_changed_code_is_registered_beside_the_old(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    old = component_register_file(spec, source="command").version
    write_component(tmp_path, version="2", code="print('v2')\n")
    new = component_register_file(spec, source="command").version
    assert old.code_path != new.code_path
    assert (Path(settings.STORE_DIR) / old.code_path / "echo.py").read_text() == "print('hi')\n"
    assert version_get("echo_text", "latest").pk == new.pk


def test_the_snapshot_is_a_copy_that_later_edits_do_not_change(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    version = component_register_file(spec, source="command").version
    (spec.parent / "src" / "echo.py").write_text("print('tampered')\n")
    (spec.parent / "src" / "added.py").write_text("x = 1\n")
    shutil.rmtree(spec.parent / "src", ignore_errors=False)
    snapshot = Path(settings.STORE_DIR) / version.code_path
    assert sorted(p.name for p in snapshot.iterdir()) == ["echo.py"]
    assert (snapshot / "echo.py").read_text() == "print('hi')\n"
    version.refresh_from_db()
    assert version_get("echo_text", "1").digest == version.digest


def test_caches_in_the_code_folder_do_not_change_the_digest(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    clean = component_register_file(spec, source="command").version
    (spec.parent / "src" / "__pycache__").mkdir()
    (spec.parent / "src" / "__pycache__" / "echo.cpython-311.pyc").write_bytes(b"\0")
    (spec.parent / "src" / "stale.pyc").write_bytes(b"\0")
    again = component_register_file(spec, source="command")
    assert not again.created and again.version.digest == clean.digest


def test_a_lost_snapshot_is_restored_by_registering_the_same_content(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    version = component_register_file(spec, source="command").version
    shutil.rmtree(Path(settings.STORE_DIR) / version.code_path)
    assert not component_register_file(spec, source="command").created
    assert (Path(settings.STORE_DIR) / version.code_path / "echo.py").is_file()


def test_a_symbolic_link_in_the_code_folder_is_refused(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    (spec.parent / "src" / "secret").symlink_to("/etc/passwd")
    with pytest.raises(CodeFolderError, match="symbolic link: secret"):
        component_register_file(spec, source="command")
    assert not Component.objects.exists()


def test_a_missing_code_folder_is_a_spec_error_naming_code(tmp_path: Path) -> None:
    spec = write_component(tmp_path)
    shutil.rmtree(spec.parent / "src")
    with pytest.raises(SpecError) as caught:
        component_register_file(spec, source="command")
    assert [p.field for p in caught.value.problems] == ["code"]


def test_an_integer_version_in_yaml_is_stored_as_text() -> None:
    yaml_text = spec_yaml(code=None).replace("version: '1'", "version: 3")
    assert component_register(yaml_text=yaml_text).version.version == "3"


def test_latest_resolves_in_natural_order_and_refs_resolve() -> None:
    for version in ["1.9", "1.10", "1.2", "0.99"]:
        component_register(yaml_text=spec_yaml("ordered", version, code=None))
    assert version_get("ordered", "latest").version == "1.10"
    assert version_by_ref("ordered").version == "1.10"
    assert version_by_ref("ordered@1.9").version == "1.9"


def test_unknown_components_and_versions_are_named_in_the_error() -> None:
    component_register(yaml_text=spec_yaml("known", code=None))
    with pytest.raises(UnknownComponent, match="'ghost' is not registered"):
        version_get("ghost", "latest")
    with pytest.raises(UnknownComponent, match="'known' has no version '7'"):
        version_get("known", "7")


def test_the_spec_resolver_answers_none_for_unknown_refs() -> None:
    component_register(yaml_text=spec_yaml("known", code=None))
    resolve = spec_resolver()
    spec = resolve("known@1")
    assert spec is not None and set(spec.inputs) == {"message"}
    assert resolve("known@2") is None and resolve("ghost@1") is None


def test_syncing_a_folder_twice_registers_everything_once(tmp_path: Path) -> None:
    write_component(tmp_path, "first_one")
    write_component(tmp_path, "second_one")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "component.yaml").write_text("name: [\n")
    first = components_sync(tmp_path)
    assert [type(outcome).__name__ for _, outcome in first] == [
        "SpecError",
        "Registration",
        "Registration",
    ]
    second = components_sync(tmp_path)
    assert [getattr(outcome, "created", None) for _, outcome in second] == [None, False, False]
    assert ComponentVersion.objects.count() == 2


def test_the_builtin_catalog_registers_cleanly(builtins: list[object]) -> None:
    assert {"load_csv", "split_data", "train_classifier"} <= set(
        Component.objects.values_list("name", flat=True)
    )
