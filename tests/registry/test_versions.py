"""Pure tests of natural version ordering."""

from __future__ import annotations

import random

import pytest

from designer.registry.versions import latest_version, version_key


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("9", "10"),
        ("1.9", "1.10"),
        ("1.2", "1.2.1"),
        ("1.2", "1.2.0"),
        ("1.0-beta", "1.0"),
        ("1.0-alpha", "1.0-beta"),
        ("1.0-rc2", "1.0-rc10"),
        ("1.0", "1.0.post1"),
        ("1.0-beta", "1.0.1"),
        ("latest", "0"),
        ("v1.9", "v1.10"),
        ("2023.9.1", "2023.10.1"),
    ],
)
def test_versions_order_naturally(lower: str, higher: str) -> None:
    assert version_key(lower) < version_key(higher)
    assert latest_version([higher, lower]) == higher
    assert latest_version([lower, higher]) == higher


def test_ten_sorts_after_nine_and_two() -> None:
    assert sorted(["10", "2", "9", "1"], key=version_key) == ["1", "2", "9", "10"]


def test_the_order_is_total_and_does_not_depend_on_the_input_order() -> None:
    versions = ["1", "01", "1.0", "1.0.0", "v1", "1-beta", "1.0-beta", "beta", "Beta", "", "1.0+b"]
    expected = sorted(versions, key=version_key)
    for seed in range(20):
        shuffled = versions[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=version_key) == expected
    assert len({version_key(v) for v in versions}) == len(versions)


def test_odd_versions_never_crash() -> None:
    for version in [
        "",
        "...",
        "1..2",
        "1.",
        "-1",
        "\uff11\uff12",
        "1.\u00b2",
        "\u00b2",
        "1.0-βeta",
        "a1b2c3",
        "1" * 50,
    ]:
        key = version_key(version)  # Raises on a digit int() cannot read.
        assert key == version_key(version)
        assert sorted([version, "1", "latest"], key=version_key) == sorted(
            ["latest", "1", version], key=version_key
        )
        if version != "1" * 50:  # Only the plain 50-digit number is a higher release.
            assert latest_version([version, "1"]) == "1", version


def test_latest_version_of_nothing_is_none() -> None:
    assert latest_version([]) is None


def test_latest_version_accepts_any_iterable() -> None:
    assert latest_version(v for v in ["1.2", "1.10", "1.9"]) == "1.10"
