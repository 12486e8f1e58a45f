"""Natural ordering of component version strings (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

VersionKey = tuple[Any, ...]

# ASCII only: int() must be able to read every digit run (not "²" or other Unicode digits).
_RELEASE_RE = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(.*)$", re.DOTALL | re.ASCII)
_CHUNK_RE = re.compile(r"\d+|\D+", re.ASCII)
_POST_RE = re.compile(r"^[.\-_]?(post|\+)", re.IGNORECASE)


def _chunks(text: str) -> tuple[tuple[int, int, str], ...]:
    # Digits and text are tagged so any two keys compare without mixing int and str.
    return tuple(
        (0, int(chunk), "") if chunk[0] in "0123456789" else (1, 0, chunk.lower())
        for chunk in _CHUNK_RE.findall(text)
    )


def version_key(version: str) -> VersionKey:
    """Return a sort key giving a natural, total and deterministic order of versions.

    version: a version string such as "2", "1.10", "1.0-beta" or "latest".
    Numeric versions compare part by part (1.10 > 1.9, 10 > 9); a suffix such as "-beta"
    or "rc1" sorts before the plain release, "post"/"+build" after it; versions that
    equal numerically (1.2 and 1.2.0) order by their number of parts, then by text.
    Versions that do not start with a number sort before all numeric ones.
    """
    match = _RELEASE_RE.match(version)
    if match is None:
        return (0, _chunks(version), version)
    parts = tuple(int(p) for p in match.group(1).split("."))
    trimmed = parts
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed = trimmed[:-1]
    suffix = match.group(2)
    if not suffix:
        rank = 1
    elif _POST_RE.match(suffix):
        rank = 2
    else:
        rank = 0
    return (1, trimmed, rank, _chunks(suffix), len(parts), version)


def latest_version(versions: Iterable[str]) -> str | None:
    """Return the highest version in natural order, or None when there is none.

    versions: the version strings of one component.
    """
    return max(versions, key=version_key, default=None)
