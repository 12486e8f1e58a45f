from pathlib import Path

import joblib
from conftest import read_json, read_table

HERE = Path(__file__).parent


def test_grid_search_classifier(run_component, table, tmp_path, iris_frame):
    inputs = {
        "training_data": table(iris_frame),
        "target_column": "target",
        "algorithm": "knn",
        "param_grid": '{"n_neighbors": [1, 5, 15], "weights": ["uniform", "distance"]}',
        "folds": 3,
    }
    out = run_component(HERE, inputs, tmp_path)
    results = read_table(out["cv_results"])
    assert len(results) == 6
    assert set(results.columns) >= {"n_neighbors", "weights", "mean_score", "std_score", "rank"}
    assert results["rank"].iloc[0] == 1
    assert results["mean_score"].between(0, 1).all()
    info = read_json(out["model_output"] / "model.json")
    best = info["tuning"]["best_parameters"]
    assert info["parameters"]["n_neighbors"] == best["n_neighbors"]
    assert info["tuning"]["best_cv_score"] == results["mean_score"].max()
    assert info["tuning"]["scoring"] == "accuracy"
    assert joblib.load(out["model_output"] / "model.pkl").predict(
        iris_frame[info["features"]]
    ).shape == (len(iris_frame),)


def test_random_search_regressor_with_python_literal(
    run_component, table, tmp_path, regression_frame
):
    inputs = {
        "training_data": table(regression_frame),
        "target_column": "y",
        "task": "regression",
        "algorithm": "ridge",
        "param_grid": "{'alpha': [0.01, 0.1, 1.0, 10.0, 100.0]}",
        "search": "random",
        "n_iter": 3,
        "folds": 3,
        "scoring": "neg_root_mean_squared_error",
    }
    out = run_component(HERE, inputs, tmp_path)
    results = read_table(out["cv_results"])
    assert len(results) == 3
    assert (results["mean_score"] <= 0).all()
    info = read_json(out["model_output"] / "model.json")
    assert info["task"] == "regression"
    assert info["tuning"]["search"] == "random"


def test_unknown_parameter_is_named(run_component_failing, table, tmp_path, iris_frame):
    inputs = {
        "training_data": table(iris_frame),
        "target_column": "target",
        "algorithm": "svm",
        "param_grid": '{"depth": [1, 2]}',
    }
    log = run_component_failing(HERE, inputs, tmp_path)
    assert "param_grid: svm has no parameter(s) ['depth']" in log
