"""`manage.py bootstrap`: an admin with a generated password, printed once, kept 0600."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.CONVEYOR_HOME = tmp_path / "home"
    settings.CONVEYOR_HOME.mkdir()
    return settings.CONVEYOR_HOME


def test_the_first_bootstrap_creates_an_admin_and_prints_the_password_once(home: Path) -> None:
    out = bootstrap()
    match = re.search(r"password: (\S+)", out)
    assert match, out
    password = match.group(1)
    assert len(password) >= 16
    admin = get_user_model().objects.get()
    assert (admin.username, admin.is_superuser, admin.is_staff) == ("admin", True, True)
    assert authenticate(username="admin", password=password) == admin
    saved = home / "admin-password.txt"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert f"password: {password}" in saved.read_text()
    assert str(saved) in out


def test_a_second_bootstrap_prints_nothing_and_keeps_the_password(home: Path) -> None:
    password = re.search(r"password: (\S+)", bootstrap()).group(1)  # type: ignore[union-attr]
    saved = (home / "admin-password.txt").read_text()
    assert bootstrap() == ""
    assert get_user_model().objects.count() == 1
    assert authenticate(username="admin", password=password) is not None
    assert (home / "admin-password.txt").read_text() == saved


def test_every_first_start_generates_a_different_password(home: Path) -> None:
    first = re.search(r"password: (\S+)", bootstrap()).group(1)  # type: ignore[union-attr]
    get_user_model().objects.all().delete()
    second = re.search(r"password: (\S+)", bootstrap()).group(1)  # type: ignore[union-attr]
    assert first != second


def test_bootstrap_does_nothing_when_users_exist(home: Path, owner: Any) -> None:
    assert bootstrap() == ""
    assert not (home / "admin-password.txt").exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_a_generated_password_never_starts_with_a_dash_which_a_command_line_reads_as_an_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from designer.core import bootstrap

    drawn = iter(["-looks-like-an-option", "-again", "fine-password"])
    monkeypatch.setattr(bootstrap.secrets, "token_urlsafe", lambda n: next(drawn))
    assert bootstrap._new_password() == "fine-password"
