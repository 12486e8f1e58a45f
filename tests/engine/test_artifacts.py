"""Output digests and the artifact store layout (pure: no database)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from designer.engine.artifacts import (
    ArtifactStore,
    MissingOutputError,
    UnsafePathError,
    digest_output,
    digest_path,
    file_sha256,
    safe_resolve,
)


def make_folder(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.bin").write_bytes(b"\x00\x01" * 1000)
    return root


def test_a_files_digest_is_the_plain_sha256_of_its_bytes(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 7)  # Spans several 1 MiB chunks.
    (tmp_path / "f").write_bytes(data)
    digest = digest_path(tmp_path / "f")
    assert digest.sha256 == hashlib.sha256(data).hexdigest()
    assert (digest.size, digest.file_count, digest.kind) == (len(data), 1, "file")


def test_a_folder_digest_is_stable_across_calls_and_copies(tmp_path):
    first = digest_path(make_folder(tmp_path / "one"))
    assert digest_path(tmp_path / "one") == first
    assert digest_path(make_folder(tmp_path / "two")) == first
    assert (first.size, first.file_count, first.kind) == (5 + 2000, 2, "folder")


def test_a_folder_digest_changes_when_a_files_content_changes(tmp_path):
    folder = make_folder(tmp_path / "f")
    before = digest_path(folder)
    (folder / "sub" / "b.bin").write_bytes(b"\x00\x02" * 1000)
    assert digest_path(folder).sha256 != before.sha256


def test_a_folder_digest_changes_when_a_file_is_renamed(tmp_path):
    folder = make_folder(tmp_path / "f")
    before = digest_path(folder)
    (folder / "a.txt").rename(folder / "c.txt")
    assert digest_path(folder).sha256 != before.sha256


def test_a_folder_digest_changes_when_a_file_moves_to_another_folder(tmp_path):
    folder = make_folder(tmp_path / "f")
    before = digest_path(folder)
    (folder / "a.txt").rename(folder / "sub" / "a.txt")
    assert digest_path(folder).sha256 != before.sha256


def test_an_empty_subfolder_counts_in_the_digest(tmp_path):
    folder = make_folder(tmp_path / "f")
    before = digest_path(folder)
    (folder / "empty").mkdir()
    assert digest_path(folder).sha256 != before.sha256


def test_an_empty_folder_has_a_digest_with_no_files(tmp_path):
    (tmp_path / "e").mkdir()
    digest = digest_path(tmp_path / "e")
    assert (digest.size, digest.file_count, digest.kind) == (0, 0, "folder")
    assert digest.sha256 != hashlib.sha256(b"").hexdigest()


def test_a_symlink_is_recorded_by_its_target_text_and_never_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    before = digest_path(folder)
    outside.write_text("changed secret")
    assert digest_path(folder) == before
    assert before.file_count == 0 and before.size == 0
    (folder / "link").unlink()
    (folder / "link").symlink_to(tmp_path / "elsewhere.txt")
    assert digest_path(folder).sha256 != before.sha256


def test_file_sha256_refuses_to_follow_a_symlink(tmp_path):
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OSError):
        file_sha256(tmp_path / "link")


def test_a_named_pipe_in_an_output_is_recorded_without_being_read(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    assert digest_path(folder).file_count == 0


def test_a_missing_uri_file_output_is_reported_with_its_path(tmp_path):
    with pytest.raises(MissingOutputError, match="did not write its uri_file output"):
        digest_output(tmp_path / "data", "uri_file")


def test_safe_resolve_returns_paths_inside_the_store(tmp_path):
    make_folder(tmp_path / "runs")
    assert safe_resolve(tmp_path, "runs/sub/b.bin") == (tmp_path / "runs/sub/b.bin").resolve()


@pytest.mark.parametrize(
    "relative", ["../etc/passwd", "runs/../../x", "/etc/passwd", "", "a\\..\\b", "a\0b"]
)
def test_safe_resolve_refuses_paths_that_leave_the_store(tmp_path, relative):
    with pytest.raises(UnsafePathError):
        safe_resolve(tmp_path / "store", relative)


def test_safe_resolve_refuses_a_symlink_that_points_outside_the_store(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (tmp_path / "secret.txt").write_text("s")
    (store / "escape").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError):
        safe_resolve(store, "escape/secret.txt")


def test_make_step_dirs_lays_out_fresh_empty_folders(tmp_path):
    store = ArtifactStore(tmp_path)
    dirs = store.make_step_dirs("run-1", "train", 1, {"model": "uri_folder", "report": "uri_file"})
    assert dirs.base == tmp_path / "runs" / "run-1" / "train" / "1"
    assert sorted(p.name for p in dirs.outputs.iterdir()) == ["model", "report"]
    assert dirs.work.is_dir() and dirs.home.is_dir() and dirs.tmp.is_dir()
    assert dirs.log_path.read_text() == ""


def test_make_step_dirs_wipes_what_an_earlier_try_of_the_same_attempt_left(tmp_path):
    store = ArtifactStore(tmp_path)
    dirs = store.make_step_dirs("r", "n", 1, {"out": "uri_folder"})
    (dirs.outputs / "out" / "half.csv").write_text("partial")
    dirs = store.make_step_dirs("r", "n", 1, {"out": "uri_folder"})
    assert list((dirs.outputs / "out").iterdir()) == []


def test_a_uri_file_output_is_a_file_named_data_inside_the_ports_folder(tmp_path):
    store = ArtifactStore(tmp_path)
    store.make_step_dirs("r", "n", 2, {"report": "uri_file", "model": "uri_folder"})
    path = store.output_path("r", "n", 2, "report", port_type="uri_file")
    assert path == tmp_path / "runs/r/n/2/outputs/report/data"
    named = store.output_path("r", "n", 2, "report", port_type="uri_file", filename="report.html")
    assert named.name == "report.html"
    folder = store.output_path("r", "n", 2, "model", port_type="uri_folder")
    assert folder == tmp_path / "runs/r/n/2/outputs/model"
    path.write_text("<html/>")
    assert digest_output(path, "uri_file").sha256 == hashlib.sha256(b"<html/>").hexdigest()


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "", "../x", "x y"])
def test_ids_and_port_names_that_could_change_the_path_are_refused(tmp_path, bad):
    store = ArtifactStore(tmp_path)
    with pytest.raises(ValueError):
        store.step_dirs(bad, "n", 1)
    with pytest.raises(ValueError):
        store.output_path("r", "n", 1, bad, port_type="uri_folder")


def test_exists_accepts_store_paths_and_refuses_outside_ones(tmp_path):
    store = ArtifactStore(tmp_path / "store")
    dirs = store.make_step_dirs("r", "n", 1, {"out": "uri_folder"})
    relative = store.relative(dirs.outputs / "out")
    assert relative == "runs/r/n/1/outputs/out"
    assert store.exists(relative) and store.exists(dirs.outputs / "out")
    assert not store.exists("runs/r/n/1/outputs/gone")
    assert not store.exists(tmp_path)
    assert not store.exists("../store/runs")


def test_clean_scratch_keeps_outputs_and_the_log(tmp_path):
    store = ArtifactStore(tmp_path)
    dirs = store.make_step_dirs("r", "n", 1, {"out": "uri_folder"})
    store.clean_scratch(dirs)
    assert not dirs.work.exists() and not dirs.home.exists() and not dirs.tmp.exists()
    assert (dirs.outputs / "out").is_dir() and dirs.log_path.exists()
