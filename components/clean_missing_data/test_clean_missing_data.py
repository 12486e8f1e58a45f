from pathlib import Path

import pytest
from conftest import read_table

HERE = Path(__file__).parent
CSV = "n,m,s\n1,10,a\n,20,b\n3,,b\n5,40,\n"


@pytest.mark.parametrize(
    ("strategy", "extra", "expected"),
    [
        ("drop_rows", {}, {"n": [1.0], "m": [10.0], "s": ["a"]}),
        ("drop_rows", {"columns": "n"}, {"n": [1.0, 3.0, 5.0], "s": ["a", "b", None]}),
        ("mean", {}, {"n": [1.0, 3.0, 3.0, 5.0], "m": [10.0, 20.0, 70 / 3, 40.0]}),
        ("median", {"columns": "m"}, {"m": [10.0, 20.0, 20.0, 40.0], "n": [1.0, None, 3, 5]}),
        ("mode", {"columns": "s"}, {"s": ["a", "b", "b", "b"]}),
        (
            "constant",
            {"constant_value": "0"},
            {"n": [1.0, 0.0, 3.0, 5.0], "s": ["a", "b", "b", "0"]},
        ),
    ],
)
def test_strategies(run_component, table, tmp_path, strategy, extra, expected):
    inputs = {"input_data": table(CSV), "strategy": strategy, **extra}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    for column, values in expected.items():
        got = [None if v != v else v for v in frame[column].tolist()]  # NaN -> None
        want = [None if v is None else v for v in values]
        assert got == pytest.approx(want) if column != "s" else got == want, column


def test_mean_of_text_column_is_refused(run_component_failing, table, tmp_path):
    inputs = {"input_data": table(CSV), "strategy": "mean", "columns": "s"}
    assert "'s' is not numeric" in run_component_failing(HERE, inputs, tmp_path)
