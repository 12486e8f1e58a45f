"""What a step runtime needs to know about a built environment (pure: stdlib only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PreparedEnvironment:
    """A built, content-addressed environment that a step runs in.

    Parameters:
        hash: the environment's content hash (its folder name).
        root: the environment folder; the sandbox binds it read-only at the same path.
        bin_dir: prepended to the step's PATH (usually `root / "bin"`).
        python: the interpreter a `python` command resolves to.
        ro_binds: other host folders the environment needs at run time (for example the
            base interpreter a venv links to), bound read-only at the same path.
        variables: extra environment variables for the step (never server secrets).
        warnings: lines the step log shows before the command starts.
    """

    hash: str
    root: Path
    bin_dir: Path
    python: Path
    ro_binds: tuple[Path, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
