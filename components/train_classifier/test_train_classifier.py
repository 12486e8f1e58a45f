from pathlib import Path

import joblib
import pytest
from conftest import read_json

HERE = Path(__file__).parent
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def test_v1_logistic_regression(run_component, table, tmp_path, iris_frame):
    inputs = {"training_data": table(iris_frame), "target_column": "target"}
    model_dir = run_component(HERE, inputs, tmp_path)["model_output"]
    info = read_json(model_dir / "model.json")
    assert info["format"] == "conveyor-sklearn/1"
    assert info["task"] == "classification"
    assert info["features"] == FEATURES
    assert info["classes"] == ["setosa", "versicolor", "virginica"]
    assert info["training_accuracy"] > 0.9
    model = joblib.load(model_dir / "model.pkl")
    assert set(model.predict(iris_frame[FEATURES])) <= set(info["classes"])


@pytest.mark.parametrize(
    ("algorithm", "extra", "parameter"),
    [
        ("logistic_regression", {"c": 0.5, "max_iter": 200}, ("C", 0.5)),
        ("random_forest", {"n_estimators": 7, "max_depth": 3}, ("max_depth", 3)),
        ("gradient_boosting", {"n_estimators": 8, "learning_rate": 0.3}, ("learning_rate", 0.3)),
        ("svm", {"kernel": "linear", "c": 2.0}, ("kernel", "linear")),
        ("knn", {"n_neighbors": 3}, ("n_neighbors", 3)),
    ],
)
def test_v2_algorithms(run_component, table, tmp_path, iris_frame, algorithm, extra, parameter):
    inputs = {
        "training_data": table(iris_frame),
        "target_column": "target",
        "algorithm": algorithm,
        **extra,
    }
    model_dir = run_component(HERE, inputs, tmp_path, spec_file="component_v2.yml")["model_output"]
    info = read_json(model_dir / "model.json")
    assert info["algorithm"] == algorithm
    assert info["parameters"][parameter[0]] == parameter[1]
    assert info["features"] == FEATURES
    assert info["training_accuracy"] > 0.85
    assert info["standardized"] == (algorithm in ("logistic_regression", "svm", "knn"))
    model = joblib.load(model_dir / "model.pkl")
    assert model.predict_proba(iris_frame[FEATURES]).shape == (len(iris_frame), 3)


def test_v2_feature_columns_and_errors(run_component, run_component_failing, table, tmp_path):
    frame = "a,b,color,label\n1,2,red,x\n2,1,blue,y\n3,3,red,x\n4,1,blue,y\n"
    source = table(frame)
    spec = "component_v2.yml"
    inputs = {"training_data": source, "target_column": "label", "feature_columns": "a"}
    info = read_json(
        run_component(HERE, inputs, tmp_path, spec_file=spec)["model_output"] / "model.json"
    )
    assert info["features"] == ["a"]
    bad = {**inputs, "feature_columns": "a,color"}
    log = run_component_failing(HERE, bad, tmp_path, spec_file=spec)
    assert "feature_columns: ['color'] are not numeric" in log
    log = run_component_failing(HERE, {**inputs, "target_column": "nope"}, tmp_path, spec_file=spec)
    assert "target_column 'nope' is not a column" in log
