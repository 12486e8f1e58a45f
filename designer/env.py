"""Typed environment helpers: a malformed value stops start-up naming the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, env: Mapping[str, str] | None) -> str | None:
    value = (env if env is not None else os.environ).get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", *, env: Mapping[str, str] | None = None) -> str:
    """Read a string; an unset variable gives `default`."""
    value = _raw(name, env)
    return default if value is None else value


def env_bool(name: str, default: bool = False, *, env: Mapping[str, str] | None = None) -> bool:
    """Read a boolean written as 1/0, true/false, yes/no or on/off."""
    value = _raw(name, env)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Read an integer, optionally bounded."""
    value = _raw(name, env)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_float(name: str, default: float, *, env: Mapping[str, str] | None = None) -> float:
    """Read a number (seconds, ratios)."""
    value = _raw(name, env)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: list[str], *, env: Mapping[str, str] | None = None) -> list[str]:
    """Read a comma-separated list; empty items are dropped."""
    value = _raw(name, env)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path, *, env: Mapping[str, str] | None = None) -> Path:
    """Read a filesystem path, made absolute."""
    value = _raw(name, env)
    return (Path(value).expanduser() if value else default).resolve()


def env_url(
    name: str, schemes: tuple[str, ...], *, env: Mapping[str, str] | None = None
) -> str | None:
    """Read an optional URL whose scheme must be one of `schemes`."""
    value = _raw(name, env)
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    if not sep or not rest or scheme.lower() not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL starting with {allowed}")
    return value
