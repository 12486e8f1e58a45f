"""A component's `environment` value -> an EnvironmentSpec (pure: no Django).

Accepted forms (docs/environments.md):
- nothing: the default environment of `curated.yml`;
- a mapping with `conda_file` (a loaded mapping, or a path inlined at registration by
  `environment_inline`), optionally with `image`;
- a mapping with only `image`: the image table of `curated.yml`;
- `azureml:<name>@<version|latest>`, `azureml:<name>:<version>`, `azureml:<name>`: a
  curated name, else Conveyor's own environment registry (the `lookup` callable);
- `azureml://registries/<registry>/environments/<name>/versions/<v>` or `/labels/<l>`:
  a curated name.
A `build:` context (a Dockerfile) is refused: there is no container engine here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from designer.environments.conda import conda_parse, normalize_requirement, numpy_compat
from designer.environments.spec import (
    MAX_YAML_BYTES,
    EnvironmentProblem,
    EnvironmentSpec,
    yaml_load,
)

CURATED_FILE = Path(__file__).with_name("curated.yml")
# (name, version or None for the latest) -> the registered definition, or None.
Lookup = Callable[[str, str | None], Mapping[str, Any] | None]
_SHORT_RE = re.compile(
    r"^azureml:(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]*)(?:[@:](?P<ver>[^@:/\s]+))?$"
)
_LONG_RE = re.compile(
    r"^azureml://registries/(?P<registry>[^/]+)/environments/(?P<name>[^/]+)"
    r"/(?:versions|labels)/(?P<ver>[^/]+)$"
)
DEFINITION_KEYS = frozenset(
    {"$schema", "name", "version", "description", "tags", "image", "conda_file", "build"}
    | {"os_type", "inference_config", "properties", "datastore"}
)


@lru_cache(maxsize=1)
def curated_table() -> dict[str, Any]:
    """The shipped mapping table (default, curated environments, images)."""
    data = yaml_load(CURATED_FILE.read_text(encoding="utf-8"), what=str(CURATED_FILE))
    return dict(data)


def default_spec() -> EnvironmentSpec:
    """The documented environment of a component that declares none."""
    row = curated_table()["default"]
    return _row_spec(row, source="default")


def environment_resolve(value: Any, *, where: str, lookup: Lookup | None = None) -> EnvironmentSpec:
    """Resolve a component's `environment` value.

    value: the `environment` field as loaded from the spec (None, a string or a mapping).
    where: who declares it, for messages (e.g. "component 'train@1'", "node 'train'").
    lookup: finds a registered environment by (name, version or None for the latest).
    Raises EnvironmentProblem naming `where` and what is wrong.
    """
    if value is None or value == "":
        return default_spec()
    if isinstance(value, str):
        return _resolve_reference(value.strip(), where, lookup)
    if isinstance(value, Mapping):
        return definition_resolve(value, where=where, source="inline")
    raise EnvironmentProblem(f"{where}: environment must be a name or a mapping, not {value!r}")


def definition_resolve(value: Mapping[str, Any], *, where: str, source: str) -> EnvironmentSpec:
    """An environment definition (inline in a component, or registered) -> a spec."""
    unknown = sorted(str(k) for k in value if k not in DEFINITION_KEYS)
    if unknown:
        raise EnvironmentProblem(f"{where}: unknown environment field(s) {', '.join(unknown)}")
    if value.get("build") is not None:
        raise EnvironmentProblem(
            f"{where}: environment `build:` (a Docker build context) is not supported: there "
            "is no container engine here; declare a conda_file instead"
        )
    conda = value.get("conda_file")
    image = value.get("image")
    if conda is None:
        if not image:
            raise EnvironmentProblem(f"{where}: environment needs a conda_file or an image")
        return _image_spec(str(image), where)
    if isinstance(conda, str):
        raise EnvironmentProblem(
            f"{where}: conda_file {conda!r} was not read when the component was registered"
        )
    python, requirements, warnings = conda_parse(conda, where=f"{where} conda_file")
    if python is None:
        python = _image_spec(str(image), where).python if image else default_spec().python
    if image:
        warnings.append(f"{where}: image {image!r} not used (no container engine); conda_file is")
    requirements = numpy_compat(requirements, warnings)
    return EnvironmentSpec(
        python=python,
        requirements=tuple(sorted(set(requirements))),
        source=source,
        warnings=tuple(warnings),
    )


def _resolve_reference(text: str, where: str, lookup: Lookup | None) -> EnvironmentSpec:
    if match := _LONG_RE.match(text):
        row = _curated_row(match["name"])
        if row is None:
            raise EnvironmentProblem(
                f"{where}: environment {text!r} is not in the curated mapping table "
                "(designer/environments/curated.yml); register it with "
                "`conveyor environment create` and name it azureml:<name>@<version>"
            )
        return _row_spec(row, source=text)
    match = _SHORT_RE.match(text)
    if not match:
        raise EnvironmentProblem(
            f"{where}: environment {text!r} is not understood; use azureml:<name>@<version>, "
            "azureml:<name>:<version> or an inline conda_file"
        )
    name, version = match["name"], match["ver"]
    if version == "latest":
        version = None
    row = _curated_row(name)
    if row is not None:
        return _row_spec(row, source=text)
    definition = lookup(name, version) if lookup is not None else None
    if definition is None:
        wanted = f"{name}@{version}" if version else f"{name} (any version)"
        raise EnvironmentProblem(
            f"{where}: environment {wanted} is neither registered nor a curated name"
        )
    return definition_resolve(definition, where=where, source=text)


def _curated_row(name: str) -> dict[str, Any] | None:
    rows = {k.lower(): v for k, v in curated_table()["environments"].items()}
    row = rows.get(name.lower())
    if row is not None and "same_as" in row:
        row = rows.get(str(row["same_as"]).lower())
    return row


def _image_spec(image: str, where: str) -> EnvironmentSpec:
    repository, tag = _image_parts(image)
    images = {k.lower(): v for k, v in curated_table()["images"].items()}
    row = images.get(repository.lower())
    if row is None:
        raise EnvironmentProblem(
            f"{where}: image {image!r} is not in the image mapping table "
            "(designer/environments/curated.yml); add a conda_file"
        )
    if repository.lower() == "python" and (found := re.match(r"^(\d\.\d{1,2})", tag)):
        row = {**row, "python": found.group(1)}
    return _row_spec(row, source=image)


def _image_parts(image: str) -> tuple[str, str]:
    """(repository, tag) of `repo[:tag][@digest]`; a registry port is not a tag."""
    ref = image.split("@", 1)[0]
    if ":" in ref.rsplit("/", 1)[-1]:
        repository, tag = ref.rsplit(":", 1)
        return repository, tag
    return ref, ""


def _row_spec(row: Mapping[str, Any], *, source: str) -> EnvironmentSpec:
    requirements = [normalize_requirement(str(r), source) for r in row.get("requirements") or []]
    requirements = numpy_compat(requirements, [])
    return EnvironmentSpec(
        python=str(row["python"]), requirements=tuple(sorted(set(requirements))), source=source
    )


def environment_inline(value: Any, *, base_dir: Path | None, roots: tuple[Path, ...]) -> Any:
    """Replace a `conda_file` path by the file's content, read once at registration.

    value: the `environment` field. base_dir: the folder the spec's paths are relative
    to (None when the spec came without one). roots: folders the file must be inside.
    Returns the value unchanged when there is no path to read; raises EnvironmentProblem.
    """
    if not isinstance(value, Mapping) or not isinstance(value.get("conda_file"), str):
        return value
    relative = value["conda_file"]
    if base_dir is None:
        raise EnvironmentProblem(
            f"conda_file {relative!r}: the spec came without its folder; inline the conda "
            "file as a mapping under `conda_file:`"
        )
    path = (base_dir / relative).resolve()
    if not any(path.is_relative_to(root.resolve()) for root in roots):
        raise EnvironmentProblem(f"conda_file {relative!r} is outside the component's folder")
    if not path.is_file():
        raise EnvironmentProblem(f"conda_file {relative!r} not found beside the spec")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise EnvironmentProblem(f"conda_file {relative!r} is larger than {MAX_YAML_BYTES} bytes")
    data = yaml_load(path.read_text(encoding="utf-8"), what=f"conda_file {relative!r}")
    return {**value, "conda_file": data}


def server_python() -> str:
    """The server's own `X.Y`, for messages and benchmarks."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def environment_check(
    value: Any, *, where: str, base_dir: Path | None, roots: tuple[Path, ...]
) -> Any:
    """Registration-time check: inline a conda_file path and refuse what can never resolve.

    Registered names (`azureml:<name>@<version>`) are not looked up here: they may be
    registered later. Returns the value to store. Raises EnvironmentProblem.
    """
    try:
        value = environment_inline(value, base_dir=base_dir, roots=roots)
    except EnvironmentProblem as exc:
        raise EnvironmentProblem(f"{where}: {exc}") from None
    environment_resolve(value, where=where, lookup=_ANY_REGISTERED)
    return value


def _any_registered(name: str, version: str | None) -> Mapping[str, Any]:
    return {"conda_file": {"dependencies": []}}


_ANY_REGISTERED: Lookup = _any_registered
