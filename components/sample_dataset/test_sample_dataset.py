from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent


def test_iris_with_label_names(run_component, tmp_path):
    out = run_component(HERE, {"dataset": "iris"}, tmp_path)
    frame = read_table(out["output_data"])
    assert list(frame.columns) == [
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
        "target",
    ]
    assert len(frame) == 150
    assert sorted(frame["target"].unique()) == ["setosa", "versicolor", "virginica"]
    assert frame["sepal_length_cm"].between(4, 8).all()


def test_breast_cancer_numbers_and_diabetes_regression(run_component, tmp_path):
    cancer = read_table(
        run_component(HERE, {"dataset": "breast_cancer", "label_names": False}, tmp_path)[
            "output_data"
        ]
    )
    assert cancer.shape == (569, 31)
    assert set(cancer["target"]) == {0, 1}
    assert "mean_radius" in cancer.columns
    diabetes = read_table(run_component(HERE, {"dataset": "diabetes"}, tmp_path)["output_data"])
    assert diabetes.shape == (442, 11)
    assert diabetes["target"].dtype.kind == "f"
    assert diabetes["target"].between(20, 400).all()
