from pathlib import Path

import pytest
from conftest import read_json, read_table

HERE = Path(__file__).parent
CSV = "a,b,label,name\n1,10,0,x\n2,20,1,y\n3,30,0,z\n5,40,1,w\n"


def test_zscore_all_numeric_except_excluded(run_component, table, tmp_path):
    inputs = {"input_data": table(CSV), "exclude_columns": "label"}
    out = run_component(HERE, inputs, tmp_path)["output_data"]
    frame = read_table(out)
    assert frame["a"].mean() == pytest.approx(0, abs=1e-9)
    assert frame["a"].std(ddof=0) == pytest.approx(1)
    assert frame["b"].std(ddof=0) == pytest.approx(1)
    assert frame["label"].tolist() == [0, 1, 0, 1]
    assert frame["name"].tolist() == ["x", "y", "z", "w"]
    stats = read_json(out / "normalization.json")
    assert stats["columns"]["a"]["mean"] == pytest.approx(2.75)
    assert set(stats["columns"]) == {"a", "b"}


def test_minmax_on_chosen_columns(run_component, table, tmp_path):
    inputs = {"input_data": table(CSV), "method": "minmax", "columns": "a"}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert frame["a"].tolist() == pytest.approx([0, 0.25, 0.5, 1])
    assert frame["b"].tolist() == [10, 20, 30, 40]


def test_text_column_is_refused(run_component_failing, table, tmp_path):
    log = run_component_failing(HERE, {"input_data": table(CSV), "columns": "a,name"}, tmp_path)
    assert "['name'] are not numeric" in log
