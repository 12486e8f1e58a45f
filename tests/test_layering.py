"""STYLE.md rule 1: dependencies point one way; the pure modules import no framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "designer/core/yamlsafe.py",
    "designer/registry/spec.py",
    "designer/engine/sandbox.py",
    "designer/registry/spec_ports.py",
    "designer/registry/command.py",
    "designer/registry/hints.py",
    "designer/registry/shell_arith.py",
    "designer/registry/versions.py",
    "designer/registry/types.py",
    "designer/pipelines/validation.py",
    "designer/pipelines/schema.py",
    "designer/pipelines/types.py",
    "designer/pipelines/documents.py",
    "designer/engine/runner.py",
    "designer/engine/steplog.py",
    "designer/engine/artifacts.py",
    "designer/engine/cachekey.py",
    "designer/engine/decide.py",
    "designer/engine/events.py",
    "designer/engine/values.py",
    "designer/datastores/references.py",
    "designer/core/jsonsafe.py",
    "designer/engine/mlflow_runs.py",
    "designer/core/paths.py",
    "designer/environments/prepared.py",
    "designer/environments/spec.py",
    "designer/environments/conda.py",
    "designer/environments/resolve.py",
    "designer/environments/interpreters.py",
    "designer/environments/build.py",
    "designer/environments/folders.py",
]
FRAMEWORKS = ("django", "rest_framework", "channels", "dramatiq", "django_dramatiq")
LOWER_LAYERS = ["designer/registry", "designer/pipelines", "designer/engine"]
UPPER_LAYERS = ("designer.api", "designer.live")


def imported_modules(path: Path) -> set[str]:
    """Absolute module names imported anywhere in the file (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def test_the_import_parser_sees_what_a_file_imports(tmp_path: Path) -> None:
    sample = ROOT / "designer" / "_layering_probe.py"
    try:
        sample.write_text("import django.db\nfrom rest_framework import views\nfrom . import api\n")
        found = imported_modules(sample)
    finally:
        sample.unlink()
    assert {"django.db", "rest_framework", "designer.api"} <= found


@pytest.mark.parametrize("relative", PURE)
def test_a_pure_module_imports_no_framework(relative: str) -> None:
    path = ROOT / relative
    assert path.is_file(), f"{relative} is listed as pure but does not exist"
    offending = sorted(n for n in imported_modules(path) if _under(n, FRAMEWORKS))
    assert offending == [], f"{relative} imports {offending}"


@pytest.mark.parametrize("relative", PURE)
def test_a_pure_module_imports_only_pure_designer_modules(relative: str) -> None:
    pure_modules = {p.removesuffix(".py").replace("/", ".") for p in PURE}
    designer_imports = {
        n
        for n in imported_modules(ROOT / relative)
        if n.startswith("designer.") and n.count(".") >= 2
    }
    # `from designer.registry.types import PortSpec` yields both the module and the name.
    impure = sorted(
        n
        for n in designer_imports
        if n not in pure_modules and n.rsplit(".", 1)[0] not in pure_modules
    )
    assert impure == [], f"{relative} imports {impure}"


def _lower_layer_files() -> list[Path]:
    return sorted(p for layer in LOWER_LAYERS for p in (ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("path", _lower_layer_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_registry_pipelines_and_engine_never_import_api_or_live(path: Path) -> None:
    offending = sorted(n for n in imported_modules(path) if _under(n, UPPER_LAYERS))
    assert offending == [], f"{path.relative_to(ROOT)} imports {offending}"
