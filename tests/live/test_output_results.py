"""What the outputs tab needs to show results: every image of an output, column statistics
of a table (bounded), and a model's model.json."""

from __future__ import annotations

import json
from typing import Any

import pytest

from designer.api.table_stats import STATS_ROWS
from tests.live.test_output_previews import PNG, preview, with_output

pytestmark = pytest.mark.django_db


def download(api: Any, run: Any, port: str, path: str, **extra: str) -> Any:
    return api.get(f"/api/runs/{run.pk}/steps/a/outputs/{port}/download/", {"path": path, **extra})


def test_an_evaluation_folder_lists_its_plots_next_to_its_metrics(api, run):
    files = {
        "metrics.json": json.dumps({"accuracy": 0.9}).encode(),
        "confusion_matrix.png": PNG,
        "roc_curve.png": PNG,
        "notes.txt": b"x",
    }
    with_output(run, "a", "evaluation", files)
    data = preview(api, run, "evaluation")
    assert data["preview"]["kind"] == "metrics"
    assert data["images"] == ["confusion_matrix.png", "roc_curve.png"]


def test_a_plot_downloads_as_a_png_not_as_octet_stream(api, run):
    with_output(run, "a", "evaluation", {"roc_curve.png": PNG})
    response = download(api, run, "evaluation", "roc_curve.png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")


def test_an_svg_download_is_never_typed_as_an_image_outside_the_sandboxed_inline_view(api, run):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with_output(run, "a", "plots", {"chart.svg": svg})
    response = download(api, run, "plots", "chart.svg")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_table_has_per_column_statistics(api, run):
    rows = "id,city,score\n" + "".join(
        f"{i},{'paris' if i % 3 else 'oslo'},{'' if i == 5 else i / 2}\n" for i in range(30)
    )
    with_output(run, "a", "out", {"data.csv": rows.encode()})
    stats = preview(api, run, "out")["preview"]["stats"]
    assert stats["rows"] == 30
    assert stats["sampled"] is False
    by_name = {c["name"]: c for c in stats["columns"]}
    score = by_name["score"]
    assert (score["count"], score["missing"], score["distinct"]) == (29, 1, 29)
    assert (score["min"], score["max"]) == (0.0, 14.5)
    assert sum(score["histogram"]["counts"]) == 29
    city = by_name["city"]
    assert city["top"] == [{"value": "paris", "count": 20}, {"value": "oslo", "count": 10}]
    assert "mean" not in city


def test_statistics_of_a_large_table_use_a_capped_sample_and_say_so(api, run):
    rows = "x\n" + "".join(f"{i}\n" for i in range(STATS_ROWS + 500))
    with_output(run, "a", "out", {"data.csv": rows.encode()})
    stats = preview(api, run, "out")["preview"]["stats"]
    assert stats["rows"] == STATS_ROWS
    assert stats["sampled"] is True


def test_a_model_output_shows_its_model_json(api, run):
    model = {
        "format": "pickle",
        "task": "classification",
        "algorithm": "logistic_regression",
        "features": ["age", "income"],
        "target": "label",
        "params": {"C": 1.0},
    }
    files = {"model.pkl": b"\x80\x04binary", "model.json": json.dumps(model).encode()}
    with_output(run, "a", "model", files)
    data = preview(api, run, "model")
    assert data["main"] == "model.json"
    assert data["preview"] == {"kind": "model", "model": model}
