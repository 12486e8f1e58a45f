from pathlib import Path

import pandas as pd
from conftest import read_table

HERE = Path(__file__).parent


def test_stratified_split_is_reproducible(run_component, table, tmp_path, iris_frame):
    inputs = {
        "input_data": table(iris_frame),
        "test_fraction": 0.25,
        "stratify_column": "target",
        "seed": 3,
    }
    first = run_component(HERE, inputs, tmp_path)
    train, test = read_table(first["train_data"]), read_table(first["test_data"])
    assert (len(train), len(test)) == (45, 15)
    assert test["target"].value_counts().tolist() == [5, 5, 5]
    both = pd.concat([train, test]).sort_values(list(iris_frame.columns)).reset_index(drop=True)
    expected = iris_frame.sort_values(list(iris_frame.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, expected)
    again = run_component(HERE, inputs, tmp_path)
    assert read_table(again["test_data"]).equals(test)


def test_unknown_stratify_column(run_component_failing, table, tmp_path):
    inputs = {"input_data": table("a\n1\n2\n3\n"), "stratify_column": "b"}
    assert "stratify_column 'b' is not a column" in run_component_failing(HERE, inputs, tmp_path)
