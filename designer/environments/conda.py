"""Conda environment files -> a Python version and PyPI requirements (pure: stdlib + packaging).

Conda names that differ on PyPI are mapped by `CONDA_TO_PYPI`; packages that only exist on
conda (compilers, system libraries, CUDA toolkits) are dropped with a warning, since the
interpreter and the system libraries come from the worker host. The table is documented in
docs/environments.md.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from designer.environments.spec import MAX_REQUIREMENTS, EnvironmentProblem

CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "py-lightgbm": "lightgbm",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "opencv": "opencv-python-headless",
    "py-opencv": "opencv-python-headless",
    "tensorflow-cpu": "tensorflow",
    "pyqt": "PyQt5",
    "graphviz": "graphviz",
    "python-graphviz": "graphviz",
    "pydot-ng": "pydot",
}
# Conda packages that are not Python distributions on PyPI (or come from the host).
CONDA_ONLY = frozenset(
    {
        "pip",
        "_libgcc_mutex",
        "_openmp_mutex",
        "blas",
        "ca-certificates",
        "certifi-conda",
        "cpuonly",
        "cudatoolkit",
        "cudnn",
        "cuda-toolkit",
        "cuda-version",
        "libgcc-ng",
        "libgomp",
        "libstdcxx-ng",
        "mkl",
        "mkl-service",
        "nccl",
        "openssl",
        "readline",
        "sqlite",
        "tk",
        "xz",
        "zlib",
        "ncurses",
        "libffi",
        "ld_impl_linux-64",
        "intel-openmp",
    }
)
# Azure-only SDK packages: they talk to Azure services, which a Conveyor step has no use for.
AZURE_ONLY_PREFIXES = ("azureml-",)
_CONDA_NAME_RE = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$")
_PEP440_OPS = ("==", ">=", "<=", "!=", "~=", ">", "<")


def conda_parse(data: Any, *, where: str) -> tuple[str | None, list[str], list[str]]:
    """Read a loaded conda environment mapping.

    data: the loaded YAML (`name`, `channels`, `dependencies` with an optional `pip:` list).
    where: what to call it in messages (e.g. "node 'train' conda_file").
    Returns (python X.Y or None, PyPI requirement lines, warnings).
    """
    if not isinstance(data, dict):
        raise EnvironmentProblem(f"{where}: a conda file must be a mapping with `dependencies`")
    warnings: list[str] = []
    channels = data.get("channels") or []
    if channels:
        names = ", ".join(str(c) for c in channels) if isinstance(channels, list) else channels
        warnings.append(f"{where}: conda channels ignored ({names}); packages come from PyPI")
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise EnvironmentProblem(f"{where}: `dependencies` must be a list")
    python: str | None = None
    requirements: list[str] = []
    for item in deps:
        if isinstance(item, dict):
            requirements += _pip_section(item, where, warnings)
            continue
        if not isinstance(item, str | int | float):
            raise EnvironmentProblem(f"{where}: dependency {item!r} is not a package spec")
        found_python, requirement = _conda_dependency(str(item).strip(), where, warnings)
        python = found_python or python
        if requirement:
            requirements.append(requirement)
    if len(requirements) > MAX_REQUIREMENTS:
        raise EnvironmentProblem(f"{where}: more than {MAX_REQUIREMENTS} requirements")
    return python, requirements, warnings


def _pip_section(item: dict[Any, Any], where: str, warnings: list[str]) -> list[str]:
    unknown = [str(k) for k in item if k != "pip"]
    if unknown:
        raise EnvironmentProblem(f"{where}: unknown dependency section(s) {', '.join(unknown)}")
    lines = item.get("pip") or []
    if not isinstance(lines, list):
        raise EnvironmentProblem(f"{where}: the `pip:` section must be a list")
    found = []
    for line in lines:
        requirement = pip_requirement(str(line).strip(), where, warnings)
        if requirement:
            found.append(requirement)
    return found


def _conda_dependency(text: str, where: str, warnings: list[str]) -> tuple[str | None, str]:
    """(python X.Y if this is python, the PyPI requirement or "")."""
    match = _CONDA_NAME_RE.match(text)
    if not match:
        raise EnvironmentProblem(f"{where}: conda dependency {text!r} is not understood")
    name, rest = match.group(1), match.group(2).strip()
    version = _conda_version(rest, text, where, warnings)
    if canonicalize_name(name) == "python":
        return _python_version(version, text, where), ""
    if name.lower() in CONDA_ONLY:
        if name.lower() != "pip":
            warnings.append(f"{where}: conda-only package {name!r} skipped")
        return None, ""
    pypi = CONDA_TO_PYPI.get(name.lower(), name)
    if pypi != name:
        warnings.append(f"{where}: conda package {name!r} installed as {pypi!r} from PyPI")
    return None, normalize_requirement(pypi + version, where)


def _conda_version(rest: str, text: str, where: str, warnings: list[str]) -> str:
    """A PEP 440 specifier from conda's: `=1.5` means 1.5.*, `1.5.*`, `>=1.5,<2` as is."""
    if not rest:
        return ""
    if rest.startswith(_PEP440_OPS):
        return rest.replace(" ", "")
    if rest.startswith("="):
        version, _, build = rest[1:].partition("=")
    else:
        version, _, build = rest.partition(" ")
    if build.strip():
        warnings.append(f"{where}: build string of {text!r} ignored")
    version = version.strip()
    return f"=={version}" if version.endswith("*") else f"=={version}.*"


def _python_version(version: str, text: str, where: str) -> str:
    match = re.search(r"(\d)\.(\d{1,2})", version or "")
    if not match:
        raise EnvironmentProblem(f"{where}: {text!r} must name a python version X.Y")
    return f"{match.group(1)}.{match.group(2)}"


def pip_requirement(line: str, where: str, warnings: list[str]) -> str:
    """One `pip:` line -> a normalized requirement, or "" for a skipped line."""
    if not line or line.startswith("#"):
        return ""
    if line.startswith("-"):
        warnings.append(f"{where}: pip option {line!r} ignored (packages come from PyPI)")
        return ""
    requirement = normalize_requirement(line, where)
    name = requirement.split(";")[0]
    if name.startswith(AZURE_ONLY_PREFIXES):
        warnings.append(f"{where}: Azure-only package {line!r} skipped")
        return ""
    return requirement


# Releases before these were compiled against NumPy 1 and crash on import with NumPy 2,
# which pip and uv would pick, since their metadata has no upper bound. Documented.
NUMPY1_BEFORE = {
    "pandas": "2.2.2",
    "scikit-learn": "1.4.2",
    "scipy": "1.13.0",
    "pyarrow": "16.0.0",
    "matplotlib": "3.8.4",
    "xgboost": "2.1.0",
    "lightgbm": "4.4.0",
}


def numpy_compat(requirements: list[str], warnings: list[str]) -> list[str]:
    """Add `numpy<2` when a requirement only admits releases built against NumPy 1."""
    parsed = [Requirement(r) for r in requirements]
    if any(r.name == "numpy" for r in parsed):
        return requirements
    for requirement in parsed:
        first_numpy2 = NUMPY1_BEFORE.get(requirement.name)
        if first_numpy2 is not None and _only_before(requirement, Version(first_numpy2)):
            warnings.append(f"added numpy<2: {requirement} predates NumPy 2")
            return [*requirements, "numpy<2"]
    return requirements


def _only_before(requirement: Requirement, version: Version) -> bool:
    """True when the requirement admits only releases older than `version`."""
    if requirement.specifier.contains(version, prereleases=True):
        return False
    for spec in requirement.specifier:
        if spec.operator not in ("<", "<=", "==", "~="):
            continue
        try:
            if Version(spec.version.removesuffix(".*")) < version:
                return True
        except InvalidVersion:
            continue
    return False


def normalize_requirement(text: str, where: str) -> str:
    """PEP 508 text with a canonical name (packaging's spelling); URLs and paths are refused."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise EnvironmentProblem(f"{where}: requirement {text!r} is not valid ({exc})") from None
    if requirement.url:
        raise EnvironmentProblem(
            f"{where}: requirement {text!r} installs from a URL; only PyPI packages are allowed"
        )
    requirement.name = canonicalize_name(requirement.name)
    return str(requirement)
