"""The one path gate: symlinks and `..` resolved first, then containment, then the type."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from designer.core.paths import PathRefused, path_gate, tree_gate


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "data.csv").write_text("a\n1\n")
    (tmp_path / "secret.txt").write_text("do not read")
    return folder


def refused(root: Path, relative: str, **kwargs: object) -> str:
    with pytest.raises(PathRefused) as caught:
        path_gate(root, relative, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_a_file_and_a_folder_inside_the_root_pass_as_their_real_paths(root):
    assert path_gate(root, "sub/data.csv") == (root / "sub" / "data.csv").resolve()
    assert path_gate(root, "sub") == (root / "sub").resolve()
    assert path_gate(root, "") == root.resolve()


@pytest.mark.parametrize("relative", ["../secret.txt", "sub/../../secret.txt", "/etc/shadow"])
def test_a_path_climbing_out_or_absolute_is_refused(root, relative):
    assert refused(root, relative) == "path_outside_root"


def test_dotdot_that_stays_inside_is_resolved_not_refused(root):
    assert path_gate(root, "sub/../sub/data.csv") == (root / "sub" / "data.csv").resolve()


def test_a_symlink_pointing_out_of_the_root_is_refused(root):
    os.symlink(root.parent / "secret.txt", root / "link.txt")
    os.symlink(root.parent, root / "up")
    assert refused(root, "link.txt") == "path_outside_root"
    assert refused(root, "up/secret.txt") == "path_outside_root"


def test_a_fifo_is_refused_without_being_opened(root):
    os.mkfifo(root / "pipe")
    assert refused(root, "pipe") == "special_file"  # Opening it would block forever.


def test_a_socket_and_a_device_are_refused(root):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock"))
    try:
        assert refused(root, "sock") == "special_file"
    finally:
        server.close()
    try:
        os.mknod(root / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    assert refused(root, "null") == "special_file"


def test_the_wrong_kind_and_a_missing_path_are_refused_with_their_own_codes(root):
    assert refused(root, "sub", kinds=("file",)) == "wrong_kind"
    assert refused(root, "sub/data.csv", kinds=("dir",)) == "wrong_kind"
    assert refused(root, "nope.csv") == "path_not_found"
    assert refused(root, "a\0b") == "invalid_path"


def test_a_folder_holding_a_symlink_or_a_fifo_fails_the_tree_gate(root):
    tree_gate(root, root / "sub")
    os.mkfifo(root / "sub" / "pipe")
    with pytest.raises(PathRefused, match="sub/pipe"):
        tree_gate(root, root / "sub")
    os.unlink(root / "sub" / "pipe")
    os.symlink("/etc/passwd", root / "sub" / "passwd")
    with pytest.raises(PathRefused, match="symlink"):
        tree_gate(root, root / "sub")
