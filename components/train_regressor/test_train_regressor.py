from pathlib import Path

import joblib
import pytest
from conftest import read_json

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    ("algorithm", "extra", "min_r2"),
    [
        ("linear", {}, 0.99),
        ("ridge", {"alpha": 0.5}, 0.99),
        ("random_forest", {"n_estimators": 10, "max_depth": 4}, 0.8),
        ("gradient_boosting", {"n_estimators": 20, "learning_rate": 0.3}, 0.9),
    ],
)
def test_algorithms(run_component, table, tmp_path, regression_frame, algorithm, extra, min_r2):
    inputs = {
        "training_data": table(regression_frame),
        "target_column": "y",
        "algorithm": algorithm,
        **extra,
    }
    model_dir = run_component(HERE, inputs, tmp_path)["model_output"]
    info = read_json(model_dir / "model.json")
    assert info["task"] == "regression"
    assert info["features"] == ["x1", "x2"]
    assert info["target"] == "y"
    assert "classes" not in info
    assert info["training_r2"] > min_r2
    for name, value in extra.items():
        assert info["parameters"][name] == value
    model = joblib.load(model_dir / "model.pkl")
    if algorithm == "linear":
        assert model.coef_ == pytest.approx([3, -2], abs=0.05)


def test_text_target_is_refused(run_component_failing, table, tmp_path):
    inputs = {"training_data": table("x,y\n1,a\n2,b\n"), "target_column": "y"}
    assert "'y' is not numeric" in run_component_failing(HERE, inputs, tmp_path)
