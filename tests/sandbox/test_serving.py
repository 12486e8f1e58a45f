"""Serving reads only ingested outputs: a hard link or a link in an output folder (written
before ingestion existed, or by hand) is neither downloaded, zipped nor previewed."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.artifacts import MissingOutputError, UnsafeOutputError, ingest_output
from tests.engine.conftest import components, make_version  # noqa: F401
from tests.live.conftest import run  # noqa: F401
from tests.live.test_output_previews import with_output


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A stand-in for `secret-key` on the store's file system (so a hard link is possible)."""
    path = Path(settings.ARTIFACTS_DIR).parent / "secret-key"
    path.write_text("the-secret-key")
    path.chmod(0o600)
    return path


@pytest.mark.django_db
def test_a_hard_link_to_the_secret_key_in_an_output_is_not_downloaded_or_zipped(
    api: Any,
    run: Any,  # noqa: F811
    secret: Path,
) -> None:
    folder = with_output(run, "a", "out", {"data.csv": b"a\n1\n"})
    os.link(secret, folder / "stolen.txt")
    base = f"/api/runs/{run.pk}/steps/a/outputs/out"
    assert api.get(f"{base}/download/", {"path": "stolen.txt"}).status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(api.get(f"{base}/").content))
    assert archive.namelist() == ["data.csv"]


def test_ingestion_refuses_a_hard_link_naming_it_and_leaves_the_target_alone(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret-key"
    secret.write_text("s")
    secret.chmod(0o600)
    port = tmp_path / "outputs" / "out"
    (port / "sub").mkdir(parents=True)
    (port / "sub" / "ok.txt").write_text("fine")
    os.link(secret, port / "sub" / "stolen")
    with pytest.raises(UnsafeOutputError, match="out/sub/stolen: hard links"):
        ingest_output(port)
    assert secret.stat().st_mode & 0o777 == 0o600
    assert (port / "sub" / "ok.txt").stat().st_mode & 0o777 != 0o444  # Nothing changed.


def test_ingestion_refuses_an_output_folder_replaced_by_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    port = tmp_path / "out"
    port.symlink_to(tmp_path / "store")
    with pytest.raises(UnsafeOutputError, match="out: the output folder was replaced"):
        ingest_output(port)


def test_ingestion_refuses_a_fifo(tmp_path: Path) -> None:
    port = tmp_path / "out"
    port.mkdir()
    os.mkfifo(port / "pipe")
    with pytest.raises(UnsafeOutputError, match="out/pipe: only regular files"):
        ingest_output(port)


def test_an_ingested_output_is_read_only_and_owned_by_the_engine(tmp_path: Path) -> None:
    port = tmp_path / "out"
    (port / "d").mkdir(parents=True)
    (port / "d" / "f.txt").write_text("x")
    if os.geteuid() == 0:
        os.chown(port / "d" / "f.txt", 65534, 65534)
    ingest_output(port, owner=(os.geteuid(), os.getegid()))
    info = (port / "d" / "f.txt").stat()
    assert info.st_mode & 0o777 == 0o444 and info.st_uid == os.geteuid()


def test_a_missing_output_folder_is_a_missing_output(tmp_path: Path) -> None:
    with pytest.raises(MissingOutputError):
        ingest_output(tmp_path / "gone")
