"""First start of the embedded mode: an admin account with a generated password."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model


def admin_password_file() -> Path:
    return Path(settings.CONVEYOR_HOME) / "admin-password.txt"


def _new_password() -> str:
    """A random password that no command line reads as an option (none starts with '-')."""
    while (password := secrets.token_urlsafe(18)).startswith("-"):
        pass
    return password


def admin_ensure(*, username: str = "admin") -> str | None:
    """Create the admin on an empty user table; return the new password once, else None."""
    user_model = get_user_model()
    if user_model.objects.exists():
        return None
    password = _new_password()
    user_model.objects.create_superuser(username=username, email="", password=password)
    path = admin_password_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"username: {username}\npassword: {password}\n")
    os.chmod(path, 0o600)
    return password
