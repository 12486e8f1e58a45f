"""`manage.py sync_components` and `manage.py register_component`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from designer.registry.models import ComponentVersion
from tests.api import spec_yaml

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def component(root: Path, name: str = "echo_text", version: str = "1", **kw: str) -> Path:
    (root / name / "src").mkdir(parents=True, exist_ok=True)
    (root / name / "src" / "echo.py").write_text("print('hi')\n")
    path = root / name / "component.yml"
    path.write_text(spec_yaml(name, version, **kw))
    return path


def test_sync_components_registers_the_catalog_once_and_then_nothing() -> None:
    out, _ = run("sync_components")
    count = ComponentVersion.objects.count()
    assert count >= 3
    assert out.strip() == f"components: {count} registered, 0 unchanged, 0 refused"
    out, _ = run("sync_components")
    assert out.strip() == f"components: 0 registered, {count} unchanged, 0 refused"
    assert ComponentVersion.objects.count() == count
    assert set(ComponentVersion.objects.values_list("source", flat=True)) == {"builtin"}


def test_sync_components_reports_a_bad_component_and_strict_fails(tmp_path: Path) -> None:
    component(tmp_path, "good_one")
    (tmp_path / "bad_one").mkdir()
    (tmp_path / "bad_one" / "component.yml").write_text(spec_yaml("bad_one", code=None) + "x: [")
    out, err = run("sync_components", str(tmp_path))
    assert "1 registered, 0 unchanged, 1 refused" in out
    assert "bad_one/component.yml" in err and "error:" in err
    with pytest.raises(CommandError, match="1 component"):
        run("sync_components", str(tmp_path), "--strict")


def test_sync_components_of_a_missing_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run("sync_components", str(tmp_path / "nowhere"))


def test_register_component_prints_the_ref_and_digest(tmp_path: Path) -> None:
    out, _ = run("register_component", str(component(tmp_path)))
    version = ComponentVersion.objects.get()
    assert out.strip() == f"echo_text@1 registered, digest {version.digest[:12]}"
    assert version.source == "command"
    out, _ = run("register_component", str(component(tmp_path)))
    assert "echo_text@1 already registered (identical)" in out


def test_register_component_prints_warnings_on_stderr(tmp_path: Path) -> None:
    path = component(tmp_path)
    path.write_text(path.read_text() + "colour: blue\n")
    _, err = run("register_component", str(path))
    assert "warning: colour:" in err


def test_register_component_refuses_changed_content_as_immutable(tmp_path: Path) -> None:
    path = component(tmp_path)
    run("register_component", str(path))
    component(tmp_path, description="Different now.")
    with pytest.raises(CommandError, match="immutable"):
        run("register_component", str(path))


def test_register_component_lists_every_problem_of_an_invalid_spec(tmp_path: Path) -> None:
    path = component(tmp_path, command="python echo.py ${{inputs.nope}} ${{outputs.result}}")
    path.write_text(path.read_text().replace("type: string", "type: text"))
    with pytest.raises(CommandError) as caught:
        run("register_component", str(path))
    message = str(caught.value)
    assert "is not a valid component" in message
    assert "inputs.message.type" in message and "nope" in message
    assert not ComponentVersion.objects.exists()


def test_register_component_of_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a file"):
        run("register_component", str(tmp_path / "nope.yml"))


def test_register_component_refuses_a_symlink_in_the_code_folder(tmp_path: Path) -> None:
    path = component(tmp_path)
    (path.parent / "src" / "link").symlink_to("/etc/hostname")
    with pytest.raises(CommandError, match="symbolic link"):
        run("register_component", str(path))


def test_register_component_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = component(tmp_path)
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(CommandError, match="UTF-8"):
        run("register_component", str(path))
