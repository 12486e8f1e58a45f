"""A normalized environment: a Python version plus sorted requirements (pure: stdlib only)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from designer.core.yamlsafe import safe_load

# Bumped when the normalization or the build changes, so old folders are not reused.
SPEC_FORMAT = 2  # 2: bytecode compiled at build (steps cannot write __pycache__)
MAX_YAML_BYTES = 256 * 1024
MAX_REQUIREMENTS = 500
_PYTHON_RE = re.compile(r"^(\d)\.(\d{1,2})$")


class EnvironmentProblem(Exception):
    """An environment that cannot be resolved or built; the message names what and why."""


@dataclass(frozen=True)
class EnvironmentSpec:
    """What a step's code runs in: a Python `X.Y` plus normalized PyPI requirements.

    Parameters:
        python: the requested interpreter version, `X.Y`.
        requirements: PEP 508 lines, normalized and sorted (they make the hash).
        source: how it was named (for messages and listings), not part of the hash.
        warnings: what the resolver changed or ignored; shown in the step log.
    """

    python: str
    requirements: tuple[str, ...] = ()
    source: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not _PYTHON_RE.match(self.python):
            raise EnvironmentProblem(f"python version {self.python!r} is not of the form X.Y")

    def canonical(self) -> dict[str, Any]:
        """The hashed content: format, python and requirements."""
        return {
            "format": SPEC_FORMAT,
            "python": self.python,
            "requirements": list(self.requirements),
        }

    @property
    def hash(self) -> str:
        """sha256 of the canonical JSON: the same content always names the same folder."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.canonical(),
            "hash": self.hash,
            "source": self.source,
            "warnings": list(self.warnings),
        }


def python_tuple(version: str) -> tuple[int, int]:
    """(major, minor) of an `X.Y` version string."""
    match = _PYTHON_RE.match(version)
    if not match:
        raise EnvironmentProblem(f"python version {version!r} is not of the form X.Y")
    return int(match.group(1)), int(match.group(2))


def yaml_load(text: str, *, what: str) -> Any:
    """The one place environment YAML (conda files, environment definitions) is parsed.

    The project's limited safe loader: size, depth and alias expansion are capped.
    """
    try:
        return safe_load(text, max_bytes=MAX_YAML_BYTES)
    except yaml.YAMLError as exc:
        raise EnvironmentProblem(f"{what} is not valid YAML: {exc}") from None
