from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent


def test_csv_text_becomes_a_table(run_component, tmp_path):
    text = 'city,temp,rain\nOslo, 3.5,yes\nRome,18,no\n"Rio, BR",30,no\n'
    frame = read_table(run_component(HERE, {"data": text}, tmp_path)["output_data"])
    assert list(frame.columns) == ["city", "temp", "rain"]
    assert frame["city"].tolist() == ["Oslo", "Rome", "Rio, BR"]
    assert frame["temp"].tolist() == [3.5, 18.0, 30.0]


def test_default_and_tab_delimiter(run_component, tmp_path):
    frame = read_table(run_component(HERE, {}, tmp_path)["output_data"])
    assert frame.to_dict("list") == {"x": [1.0, 2.0], "y": [2.0, 1.0], "label": ["a", "b"]}
    text = "a\tb\n1\t2\n"
    frame = read_table(
        run_component(HERE, {"data": text, "delimiter": "\\t"}, tmp_path)["output_data"]
    )
    assert frame.to_dict("list") == {"a": [1], "b": [2]}


def test_empty_text_is_refused(run_component_failing, tmp_path):
    assert "data is empty" in run_component_failing(HERE, {"data": "  "}, tmp_path)
