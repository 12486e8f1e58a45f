"""Where the CLI and SDK find the server and token: flags, env, then the config file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "conveyor" / "config.json"


@dataclass(frozen=True)
class Settings:
    url: str | None
    token: str | None


def load(url: str | None = None, token: str | None = None) -> Settings:
    """Explicit values win, then CONVEYOR_URL / CONVEYOR_TOKEN, then the config file."""
    saved: dict[str, str] = {}
    path = config_path()
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            saved = {}
    return Settings(
        url=url or os.environ.get("CONVEYOR_URL") or saved.get("url"),
        token=token or os.environ.get("CONVEYOR_TOKEN") or saved.get("token"),
    )


def save(url: str, token: str) -> Path:
    """Write the config file readable by its owner only (it holds a token)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url, "token": token}, handle)
    os.chmod(path, 0o600)
    return path
