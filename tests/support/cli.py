"""The `conveyor` CLI as a user runs it against a live test server: its own HOME (where
`conveyor login` saves the token), none of the test process's CONVEYOR_* settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.server import ROOT, ConveyorServer


def cli(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `conveyor ARGS` with HOME=`home`; env: extra variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONVEYOR_", "XDG_"))}
    return subprocess.run(
        [sys.executable, "-m", "conveyor.cli", *args],
        cwd=ROOT,
        env={**clean, "HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def cli_login(server: ConveyorServer, home: Path) -> Path:
    """`home` after `conveyor login` to `server` as its admin."""
    password = f"--password={server.admin_password}"
    result = cli(home, "login", "--url", server.url, "-u", "admin", password)
    assert result.returncode == 0, result.stderr
    return home
