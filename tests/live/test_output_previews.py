"""Output previews, single-file downloads and log chunks: what the run page's step panel shows."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def with_output(run: Any, node: str, port: str, files: dict[str, bytes], kind: str = "folder"):
    """Give the run's step an output holding `files` (uri_file: the one file)."""
    relative = f"runs/{run.pk}/{node}/1/outputs/{port}"
    folder = Path(settings.ARTIFACTS_DIR) / relative
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    if kind == "file":
        relative += "/" + next(iter(files))
    step = run.steps.get(node_id=node)
    step.outputs = {
        **step.outputs,
        port: {"path": relative, "type": "uri_folder" if kind == "folder" else "uri_file"},
    }
    step.save(update_fields=["outputs"])
    return folder


def preview(api: Any, run: Any, port: str, node: str = "a") -> dict[str, Any]:
    response = api.get(f"/api/runs/{run.pk}/steps/{node}/outputs/{port}/preview/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_csv_folder_previews_its_data_csv_with_columns_and_types(api, run):
    rows = "id,name,score\n" + "".join(f"{i},n{i},{i / 2}\n" for i in range(80))
    with_output(run, "a", "out", {"data.csv": rows.encode(), "README.txt": b"x"})
    data = preview(api, run, "out")
    assert data["main"] == "data.csv"
    assert [f["path"] for f in data["files"]] == ["README.txt", "data.csv"]
    table = data["preview"]
    assert table["kind"] == "table"
    assert table["columns"] == [
        {"name": "id", "dtype": "int64"},
        {"name": "name", "dtype": "string"},
        {"name": "score", "dtype": "double"},
    ]
    assert len(table["rows"]) == 50
    assert table["rows"][3] == [3, "n3", 1.5]


def test_a_tsv_file_output_is_a_table_too(api, run):
    with_output(run, "a", "out", {"data.tsv": b"a\tb\n1\tx\n2\ty\n"}, kind="file")
    table = preview(api, run, "out")["preview"]
    assert [c["name"] for c in table["columns"]] == ["a", "b"]
    assert table["rows"] == [[1, "x"], [2, "y"]]


def test_a_parquet_file_shows_its_first_rows_and_row_count(api, run, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": list(range(120)), "y": [f"v{i}" for i in range(120)]}), source)
    with_output(run, "a", "out", {"data.parquet": source.read_bytes()})
    table = preview(api, run, "out")["preview"]
    assert table["total_rows"] == 120
    assert table["columns"][0] == {"name": "x", "dtype": "int64"}
    assert table["rows"][:2] == [[0, "v0"], [1, "v1"]]
    assert len(table["rows"]) == 50


def test_images_are_served_inline_with_their_type_and_svg_gets_a_strict_policy(api, run):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with_output(run, "a", "plots", {"roc.png": PNG, "chart.svg": svg})
    data = preview(api, run, "plots")
    assert data["main"] == "roc.png"
    assert data["preview"] == {"kind": "image", "content_type": "image/png"}
    base = f"/api/runs/{run.pk}/steps/a/outputs/plots/download/"
    png = api.get(base, {"path": "roc.png", "inline": "1"})
    assert png["Content-Type"] == "image/png"
    assert b"".join(png.streaming_content) == PNG
    shown = api.get(base, {"path": "chart.svg", "inline": "1"})
    assert shown["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in shown["Content-Security-Policy"]
    assert "sandbox" in shown["Content-Security-Policy"]
    assert shown["X-Content-Type-Options"] == "nosniff"


def test_a_metrics_json_becomes_key_value_cards(api, run):
    metrics = {"accuracy": 0.93, "auc": 0.97, "by_class": {"a": 0.9}, "notes": ["x"]}
    with_output(run, "a", "eval", {"metrics.json": json.dumps(metrics).encode(), "x.bin": b"1"})
    data = preview(api, run, "eval")
    assert data["preview"] == {
        "kind": "metrics",
        "metrics": {"accuracy": 0.93, "auc": 0.97, "by_class.a": 0.9},
    }


def test_anything_else_is_named_with_its_size_and_downloads_as_an_attachment(api, run):
    with_output(run, "a", "model", {"model.pkl": b"\x80\x04binary"}, kind="file")
    data = preview(api, run, "model")
    assert data["preview"] == {"kind": "other"}
    assert data["files"] == [{"path": "model.pkl", "size": 8}]
    response = api.get(f"/api/runs/{run.pk}/steps/a/outputs/model/download/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("path", ["../../../../../../etc/passwd", "/etc/passwd", "..", "a/../../x"])
def test_a_download_path_leaving_the_output_is_refused(api, run, path):
    with_output(run, "a", "out", {"data.csv": b"a\n1\n"})
    with_output(run, "b", "out", {"secret.txt": b"other step"})
    response = api.get(f"/api/runs/{run.pk}/steps/a/outputs/out/download/", {"path": path})
    assert response.status_code == 404
    sibling = api.get(
        f"/api/runs/{run.pk}/steps/a/outputs/out/download/",
        {"path": "../../../b/1/outputs/out/secret.txt"},
    )
    assert sibling.status_code == 404


def test_a_symlink_inside_an_output_is_neither_listed_nor_followed(api, run, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("server secret")
    folder = with_output(run, "a", "out", {"data.csv": b"a\n1\n"})
    os.symlink(outside, folder / "link.csv")
    assert [f["path"] for f in preview(api, run, "out")["files"]] == ["data.csv"]
    response = api.get(f"/api/runs/{run.pk}/steps/a/outputs/out/download/", {"path": "link.csv"})
    assert response.status_code == 404


def test_an_outsider_gets_404_for_previews_downloads_and_logs(outsider_api, api, run):
    with_output(run, "a", "out", {"data.csv": b"a\n1\n"})
    base = f"/api/runs/{run.pk}/steps/a/"
    for path in ("outputs/out/preview/", "outputs/out/download/?path=data.csv", "log/chunk/"):
        assert outsider_api.get(base + path).status_code == 404
        assert api.get(base + path).status_code == 200


def test_the_log_is_read_backwards_and_forwards_in_whole_lines(api, run):
    step = run.steps.get(node_id="a")
    log = Path(settings.ARTIFACTS_DIR) / f"runs/{run.pk}/a/1/step.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"line {i:06d} " + "x" * 50 for i in range(5000)]
    log.write_text("\n".join(lines) + "\npartial")
    step.log_path = f"runs/{run.pk}/a/1/step.log"
    step.save(update_fields=["log_path"])
    url = f"/api/runs/{run.pk}/steps/a/log/chunk/"
    last = api.get(url).json()
    assert last["text"].split("\n")[-1] == "partial"
    assert last["text"].startswith("line ")
    earlier = api.get(url, {"before": last["start"]}).json()
    assert earlier["end"] == last["start"]
    assert earlier["text"].endswith("\n") and earlier["text"].startswith("line ")
    forward = api.get(url, {"after": last["start"]}).json()
    assert not forward["text"].endswith("partial"), "a line still being written waits"
    assert forward["complete"] is False
