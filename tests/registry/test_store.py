"""Code snapshots and archive extraction (pure: no database)."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from designer.registry.store import (
    ArchiveError,
    CodeFolderError,
    extract_archive,
    snapshot_code,
    spec_digest,
    staged_code,
)
from tests.api import tar_gz, zip_bytes

LIMITS = {"max_bytes": 1 << 20, "max_files": 100}


def unpack(data: bytes, dest: Path, **limits: int) -> None:
    extract_archive(io.BytesIO(data), dest, **{**LIMITS, **limits})


@pytest.mark.parametrize("pack", [zip_bytes, tar_gz])
def test_an_archive_unpacks_with_its_folders(pack: object, tmp_path: Path) -> None:
    unpack(pack({"a.py": b"A", "pkg/b.py": b"B"}), tmp_path / "out")  # type: ignore[operator]
    assert (tmp_path / "out" / "a.py").read_bytes() == b"A"
    assert (tmp_path / "out" / "pkg" / "b.py").read_bytes() == b"B"


@pytest.mark.parametrize("member", ["../x", "a/../../x", "/abs", "\\windows\\x", "C:evil", "..\\x"])
@pytest.mark.parametrize("pack", [zip_bytes, tar_gz])
def test_escaping_member_names_are_refused_and_the_destination_removed(
    pack: object, member: str, tmp_path: Path
) -> None:
    data = pack({"fine.py": b"1", member: b"x"})  # type: ignore[operator]
    with pytest.raises(ArchiveError) as caught:
        unpack(data, tmp_path / "out")
    assert repr(member) in str(caught.value)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_the_declared_total_size_is_checked_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="the limit is 10"):
        unpack(zip_bytes({"a": b"x" * 11}), tmp_path / "out", max_bytes=10)
    assert not (tmp_path / "out").exists()


def test_an_existing_destination_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(FileExistsError):
        unpack(zip_bytes({"a": b"x"}), tmp_path / "out")


def test_a_duplicate_member_is_refused_rather_than_overwriting(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for payload in (b"first", b"second"):
            info = tarfile.TarInfo("a.py")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    data = buffer.getvalue()
    with pytest.raises(ArchiveError, match=r"'a\.py' appears more than once"):
        unpack(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_garbage_is_refused_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"not a readable zip or tar\.gz"):
        unpack(b"\x00garbage", tmp_path / "out")


def test_a_snapshot_is_stored_once_per_content(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print(1)\n")
    store = tmp_path / "store"
    first = snapshot_code(code, store, name="comp")
    second = snapshot_code(code, store, name="comp")
    assert first == second
    assert first[0] == f"components/comp/{first[1]}"
    assert sorted(p.name for p in (store / "components" / "comp").iterdir()) == [first[1]]


def test_an_unpublished_staging_copy_leaves_nothing_behind(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print(1)\n")
    store = tmp_path / "store"
    with staged_code(code, store, name="comp") as staged:
        assert (staged.folder / "main.py").is_file()
    assert list((store / "components" / "comp").iterdir()) == []


def test_a_special_file_in_a_code_folder_is_refused(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    os.mkfifo(code / "pipe")
    with pytest.raises(CodeFolderError, match="special file: pipe"):
        snapshot_code(code, tmp_path / "store", name="comp")


def test_the_spec_digest_depends_on_spec_and_code_not_key_order() -> None:
    assert spec_digest({"a": 1, "b": 2}, "c") == spec_digest({"b": 2, "a": 1}, "c")
    assert spec_digest({"a": 1}, "c") != spec_digest({"a": 2}, "c")
    assert spec_digest({"a": 1}, "c") != spec_digest({"a": 1}, "d")
