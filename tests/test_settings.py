"""Settings: typed env helpers, start-up refusing malformed values, SQLite in WAL mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from designer.env import env_bool, env_float, env_int, env_list, env_path, env_str, env_url

ROOT = Path(__file__).resolve().parent.parent


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Set Django up in a fresh interpreter with `env` on top of a clean environment."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CONVEYOR_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    full = {
        **base,
        "DJANGO_SETTINGS_MODULE": "designer.settings",
        "CONVEYOR_HOME": str(tmp_path / "home"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_succeeds_with_sane_values(tmp_path: Path) -> None:
    result = start(
        tmp_path,
        CONVEYOR_WORKER_THREADS="8",
        CONVEYOR_DEBUG="false",
        CONVEYOR_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CONVEYOR_WORKER_THREADS", "abc"),
        ("CONVEYOR_WORKER_THREADS", "0"),
        ("CONVEYOR_DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "not a url"),
        ("CONVEYOR_BROKER_URL", "http://x"),
        ("CONVEYOR_CHANNELS_URL", "amqp://x"),
        ("CONVEYOR_STEP_TIMEOUT", "soon"),
        ("CONVEYOR_UPLOAD_MAX_BYTES", "12"),
        ("CONVEYOR_DEFAULT_COMPUTE", "tpu"),
        ("CONVEYOR_COMPUTE_POOLS", ","),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = start(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_the_embedded_database_is_sqlite_in_wal_mode_with_a_busy_timeout(db: None) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the embedded mode is SQLite; this run uses DATABASE_URL")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
    env |= {"DJANGO_SETTINGS_MODULE": "designer.settings", "CONVEYOR_HOME": str(tmp_path)}
    keys = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert keys[0] and keys[0] == keys[1]
    assert (tmp_path / "secret-key").stat().st_mode & 0o077 == 0


# The helpers themselves --------------------------------------------------------------


def test_env_bool_reads_the_usual_spellings() -> None:
    for text in ["1", "true", "YES", " on "]:
        assert env_bool("X", env={"X": text}) is True
    for text in ["0", "false", "No", "off", ""]:
        assert env_bool("X", True, env={"X": text}) is False
    assert env_bool("X", True, env={}) is True
    with pytest.raises(ImproperlyConfigured, match="X='maybe' is not a boolean"):
        env_bool("X", env={"X": "maybe"})


def test_env_int_checks_type_and_bounds() -> None:
    assert env_int("N", 4, env={}) == 4
    assert env_int("N", 4, env={"N": ""}) == 4
    assert env_int("N", 4, env={"N": " 12 "}) == 12
    with pytest.raises(ImproperlyConfigured, match="N='abc' is not an integer"):
        env_int("N", 4, env={"N": "abc"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env_int("N", 4, minimum=1, env={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="above the maximum 9"):
        env_int("N", 4, maximum=9, env={"N": "10"})


def test_env_float_list_path_and_str() -> None:
    assert env_float("F", 1.5, env={"F": "2.25"}) == 2.25
    with pytest.raises(ImproperlyConfigured, match="F='x' is not a number"):
        env_float("F", 1.5, env={"F": "x"})
    assert env_list("L", ["a"], env={"L": "b, c,,"}) == ["b", "c"]
    assert env_list("L", ["a"], env={}) == ["a"]
    assert env_path("P", Path("/tmp"), env={"P": "rel"}).is_absolute()
    assert env_str("S", "d", env={}) == "d"


@pytest.mark.parametrize("value", ["http://x", "mysql://x", "redis:/x", "redis://", "x"])
def test_env_url_refuses_other_schemes_naming_the_allowed_ones(value: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        env_url("U", ("redis", "amqp"), env={"U": value})
    assert "U=" in str(caught.value) and "redis://, amqp://" in str(caught.value)


def test_env_url_accepts_an_allowed_scheme_or_nothing() -> None:
    assert env_url("U", ("redis",), env={"U": "REDIS://h:1/0"}) == "REDIS://h:1/0"
    assert env_url("U", ("redis",), env={}) is None
    assert env_url("U", ("redis",), env={"U": " "}) is None
