"""CONVEYOR_HOME is owner-only (0700); the SQLite database and the secret key are 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_home_its_database_and_secret_key_are_owner_only(tmp_path):
    home = tmp_path / "home"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CONVEYOR_SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env.update(CONVEYOR_HOME=str(home), DJANGO_SETTINGS_MODULE="designer.settings")
    code = (
        "import django; django.setup(); "
        "from django.db import connection; connection.ensure_connection()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, umask=0o022)
    assert mode(home) == 0o700
    assert mode(home / "conveyor.sqlite3") == 0o600
    assert mode(home / "secret-key") == 0o600


def test_an_existing_home_left_open_is_closed_at_start(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "conveyor.sqlite3").touch(mode=0o644)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(CONVEYOR_HOME=str(home), DJANGO_SETTINGS_MODULE="designer.settings")
    subprocess.run(
        [sys.executable, "-c", "import designer.settings"], cwd=ROOT, env=env, check=True
    )
    assert mode(home) == 0o700
    assert mode(home / "conveyor.sqlite3") == 0o600
