"""One folder-digest algorithm: a stored dataset's digest is the one a step records for it."""

from __future__ import annotations

from pathlib import Path

from designer.core.digests import digest_path
from designer.datastores.datasets import dataset_store_path
from designer.engine import artifacts


def _folder(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.csv").write_text("x,y\n1,2\n")
    (root / "sub" / "b.txt").write_text("hello")
    return root


def test_a_stored_folder_dataset_has_the_digest_the_engine_records_for_that_folder(
    settings: object, tmp_path: Path
) -> None:
    settings.CONVEYOR_HOME = tmp_path / "home"  # type: ignore[attr-defined]
    source = _folder(tmp_path / "data")
    dataset = dataset_store_path(source)
    assert dataset.sha256 == digest_path(source).sha256 == digest_path(dataset.path).sha256


def test_caches_left_out_of_a_stored_folder_are_left_out_of_its_digest(
    settings: object, tmp_path: Path
) -> None:
    settings.CONVEYOR_HOME = tmp_path / "home"  # type: ignore[attr-defined]
    source = _folder(tmp_path / "data")
    clean = digest_path(source).sha256
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "m.pyc").write_bytes(b"\0")
    assert dataset_store_path(source).sha256 == clean


def test_a_stored_file_dataset_has_the_plain_sha256_of_its_bytes(
    settings: object, tmp_path: Path
) -> None:
    settings.CONVEYOR_HOME = tmp_path / "home"  # type: ignore[attr-defined]
    source = tmp_path / "f.csv"
    source.write_text("x\n1\n")
    assert dataset_store_path(source).sha256 == artifacts.file_sha256(source)


def test_the_engine_digests_are_the_core_digests() -> None:
    assert artifacts.digest_path is digest_path
