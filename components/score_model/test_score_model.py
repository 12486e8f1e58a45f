import json
from pathlib import Path

import joblib
import pytest
from conftest import read_json, read_table
from sklearn.linear_model import LinearRegression, LogisticRegression

HERE = Path(__file__).parent
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def _model_folder(folder: Path, model, info: dict) -> Path:
    folder.mkdir(parents=True)
    joblib.dump(model, folder / "model.pkl")
    (folder / "model.json").write_text(json.dumps({"format": "conveyor-sklearn/1", **info}))
    return folder


def test_classifier_predictions_and_probabilities(run_component, table, tmp_path, iris_frame):
    model = LogisticRegression(max_iter=500).fit(iris_frame[FEATURES], iris_frame["target"])
    folder = _model_folder(
        tmp_path / "model",
        model,
        {
            "task": "classification",
            "features": FEATURES,
            "target": "target",
            "classes": list(model.classes_),
            "algorithm": "logistic_regression",
        },
    )
    # Extra and reordered columns are fine: the model's feature list decides.
    data = iris_frame[["target", "petal_width", *FEATURES[:3]]].assign(note="x")
    out = run_component(HERE, {"model": folder, "input_data": table(data)}, tmp_path)
    scored = read_table(out["scored_data"])
    probability = [f"probability_{c}" for c in model.classes_]
    assert list(scored.columns) == [*data.columns, "prediction", *probability]
    assert scored["prediction"].tolist() == model.predict(iris_frame[FEATURES]).tolist()
    assert scored[probability].sum(axis=1).to_numpy() == pytest.approx(1, abs=1e-5)
    assert (scored["prediction"] == scored["target"]).mean() > 0.9
    scoring = read_json(out["scored_data"] / "scoring.json")
    assert scoring["task"] == "classification"
    assert scoring["target"] == "target"
    assert scoring["probability_columns"]["setosa"] == "probability_setosa"


def test_regressor_and_missing_feature(
    run_component, run_component_failing, table, tmp_path, regression_frame
):
    model = LinearRegression().fit(regression_frame[["x1", "x2"]], regression_frame["y"])
    folder = _model_folder(
        tmp_path / "model",
        model,
        {"task": "regression", "features": ["x1", "x2"], "target": "y", "algorithm": "linear"},
    )
    out = run_component(HERE, {"model": folder, "input_data": table(regression_frame)}, tmp_path)
    scored = read_table(out["scored_data"])
    assert list(scored.columns) == ["x1", "x2", "y", "prediction"]
    assert scored["prediction"].to_numpy() == pytest.approx(scored["y"].to_numpy(), abs=0.5)
    log = run_component_failing(
        HERE, {"model": folder, "input_data": table("x1,y\n1,2\n", "partial")}, tmp_path
    )
    assert "input_data lacks the model's feature column(s) ['x2']" in log
