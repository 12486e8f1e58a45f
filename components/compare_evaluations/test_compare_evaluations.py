import json
from pathlib import Path

import pytest
from conftest import read_json, read_table

HERE = Path(__file__).parent


def _evaluation(folder: Path, metrics: dict) -> Path:
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_side_by_side(run_component, run_component_failing, tmp_path):
    a = _evaluation(tmp_path / "a", {"accuracy": 0.8, "f1_macro": 0.7, "rows": 30})
    b = _evaluation(
        tmp_path / "b", {"accuracy": 0.9, "f1_macro": 0.75, "roc_auc_ovr": 0.95, "rows": 30}
    )
    inputs = {"evaluation_a": a, "evaluation_b": b, "name_a": "logistic", "name_b": "forest"}
    out = run_component(HERE, inputs, tmp_path)["comparison"]
    table = read_table(out).set_index("metric")
    assert list(table.columns) == ["logistic", "forest", "delta"]
    assert table.loc["accuracy", "delta"] == pytest.approx(0.1)
    assert table.loc["f1_macro", "forest"] == 0.75
    assert table.loc["roc_auc_ovr"].isna()["logistic"]
    metrics = read_json(out / "metrics.json")
    assert metrics["logistic.accuracy"] == 0.8
    assert metrics["forest.roc_auc_ovr"] == 0.95
    assert metrics["delta.f1_macro"] == pytest.approx(0.05)
    assert "delta.roc_auc_ovr" not in metrics
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    log = run_component_failing(HERE, {"evaluation_a": a, "evaluation_b": tmp_path}, tmp_path)
    assert "evaluation_b:" in log and "holds no metrics.json" in log
