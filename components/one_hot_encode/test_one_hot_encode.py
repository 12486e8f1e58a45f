from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent
CSV = "color,size,price,label\nred,S,1.5,yes\nblue,M,2.0,no\nred,L,3.0,yes\n"


def test_text_columns_except_excluded(run_component, table, tmp_path):
    inputs = {"input_data": table(CSV), "exclude_columns": "label"}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert list(frame.columns) == [
        "price",
        "label",
        "color_blue",
        "color_red",
        "size_L",
        "size_M",
        "size_S",
    ]
    assert frame["color_red"].tolist() == [1, 0, 1]
    assert frame["size_M"].tolist() == [0, 1, 0]
    assert frame["label"].tolist() == ["yes", "no", "yes"]


def test_chosen_column_drop_first(run_component, table, tmp_path):
    inputs = {"input_data": table(CSV), "columns": "color", "drop_first": True}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert list(frame.columns) == ["size", "price", "label", "color_red"]


def test_too_many_categories(run_component_failing, table, tmp_path):
    inputs = {"input_data": table(CSV), "columns": "price", "max_categories": 2}
    assert "'price' has 3 distinct values" in run_component_failing(HERE, inputs, tmp_path)
