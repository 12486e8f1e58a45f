"""Find the Python interpreters a worker host has, and pick one for `X.Y` (pure: stdlib)."""

from __future__ import annotations

import glob
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from designer.environments.spec import EnvironmentProblem, python_tuple

# Searched in order; the first interpreter found for an X.Y wins. pyenv's folders first:
# they hold full CPython builds, whereas Debian's may lack venv support.
DEFAULT_PATTERNS = (
    str(Path(sys.base_prefix) / "bin" / "python3.*"),
    str(Path.home() / ".pyenv" / "versions" / "*" / "bin" / "python3.*"),
    "/usr/local/bin/python3.*",
    "/usr/bin/python3.*",
)
_NAME_RE = re.compile(r"^python(\d)\.(\d{1,2})$")


@dataclass(frozen=True)
class Interpreter:
    version: str  # X.Y
    path: Path

    @property
    def prefix(self) -> Path:
        """The installation a venv made from it links to (bound read-only into steps)."""
        return self.path.resolve().parent.parent


def interpreters_find(patterns: tuple[str, ...] = DEFAULT_PATTERNS) -> dict[str, Interpreter]:
    """X.Y -> the first matching interpreter on this host (executables named pythonX.Y)."""
    found: dict[str, Interpreter] = {}
    for pattern in patterns:
        for name in sorted(glob.glob(pattern)):
            path = Path(name)
            match = _NAME_RE.match(path.name)
            if not match or not path.is_file():
                continue
            version = f"{match.group(1)}.{match.group(2)}"
            found.setdefault(version, Interpreter(version, path))
    return found


def interpreter_pick(
    wanted: str, available: dict[str, Interpreter]
) -> tuple[Interpreter, str | None]:
    """The interpreter for `wanted` X.Y, else the nearest (a newer one on a tie).

    Returns (interpreter, a warning for the step log when it is not the one asked for).
    """
    if wanted in available:
        return available[wanted], None
    major, minor = python_tuple(wanted)
    same_major = [i for i in available.values() if python_tuple(i.version)[0] == major]
    if not same_major:
        have = ", ".join(sorted(available)) or "none"
        raise EnvironmentProblem(f"python {wanted} is not available on this worker (has {have})")
    nearest = min(
        same_major,
        key=lambda i: (abs(python_tuple(i.version)[1] - minor), -python_tuple(i.version)[1]),
    )
    warning = f"python {wanted} is not on this worker; using the nearest, {nearest.version}"
    return nearest, warning
