import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import read_json, write_table

HERE = Path(__file__).parent


def _scored(folder: Path, frame: pd.DataFrame, scoring: dict) -> Path:
    write_table(folder, frame)
    (folder / "scoring.json").write_text(json.dumps(scoring))
    return folder


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_binary_classification(run_component, tmp_path):
    frame = pd.DataFrame(
        {
            "label": ["yes", "yes", "yes", "no", "no", "no"],
            "prediction": ["yes", "yes", "no", "no", "no", "yes"],
            "probability_no": [0.1, 0.2, 0.6, 0.9, 0.7, 0.4],
            "probability_yes": [0.9, 0.8, 0.4, 0.1, 0.3, 0.6],
        }
    )
    scoring = {
        "task": "classification",
        "target": "label",
        "probability_columns": {"no": "probability_no", "yes": "probability_yes"},
    }
    folder = _scored(tmp_path / "scored", frame, scoring)
    out = run_component(HERE, {"scored_data": folder}, tmp_path)["evaluation"]
    metrics = read_json(out / "metrics.json")
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    # positive class "yes" (second in sorted order): tp=2, fp=1, fn=1
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 / 3)
    # yes scores 0.9, 0.8, 0.4 vs no scores 0.1, 0.3, 0.6: 8 of 9 pairs ordered right
    assert metrics["roc_auc"] == pytest.approx(8 / 9)
    assert {"precision_macro", "recall_weighted", "f1_macro", "f1_weighted"} <= set(metrics)
    assert metrics["rows"] == 6
    assert _is_png(out / "confusion_matrix.png")
    assert _is_png(out / "roc_curve.png")
    matrix = pd.read_csv(out / "confusion_matrix.csv", index_col=0)
    assert matrix.loc["yes", "no"] == 1 and matrix.loc["no", "no"] == 2


def test_multiclass_one_vs_rest(run_component, tmp_path):
    frame = pd.DataFrame(
        {
            "y": [0, 0, 1, 1, 2, 2],
            "prediction": [0, 0, 1, 2, 2, 2],
            "probability_0": [0.8, 0.7, 0.1, 0.1, 0.0, 0.1],
            "probability_1": [0.1, 0.2, 0.8, 0.4, 0.2, 0.1],
            "probability_2": [0.1, 0.1, 0.1, 0.5, 0.8, 0.8],
        }
    )
    scoring = {
        "task": "classification",
        "target": "y",
        "probability_columns": {str(c): f"probability_{c}" for c in range(3)},
    }
    folder = _scored(tmp_path / "scored", frame, scoring)
    out = run_component(HERE, {"scored_data": folder}, tmp_path)["evaluation"]
    metrics = read_json(out / "metrics.json")
    assert metrics["accuracy"] == pytest.approx(5 / 6)
    assert 0.9 < metrics["roc_auc_ovr"] <= 1
    assert "precision" not in metrics  # binary-only
    assert _is_png(out / "roc_curve.png")


def test_regression_without_scoring_json(run_component, run_component_failing, tmp_path):
    frame = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "p": [1.5, 2.0, 2.5, 4.0]})
    folder = write_table(tmp_path / "scored", frame)
    inputs = {
        "scored_data": folder,
        "target_column": "t",
        "prediction_column": "p",
        "task": "regression",
    }
    out = run_component(HERE, inputs, tmp_path)["evaluation"]
    metrics = read_json(out / "metrics.json")
    assert metrics["mae"] == pytest.approx(0.25)
    assert metrics["rmse"] == pytest.approx((0.5 / 4) ** 0.5)
    assert metrics["r2"] == pytest.approx(1 - 0.5 / 5)
    assert _is_png(out / "residuals.png")
    log = run_component_failing(HERE, {**inputs, "target_column": "z"}, tmp_path)
    assert "target_column 'z' is not a column of scored_data" in log
