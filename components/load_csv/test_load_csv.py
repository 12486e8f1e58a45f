from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent


def test_reads_csv_with_skip_rows_and_delimiter(run_component, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("exported by a tool\nname|age\nann|30\nbob|41\n")
    inputs = {"source": source, "skip_rows": 1, "delimiter": "|"}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert frame.to_dict("list") == {"name": ["ann", "bob"], "age": [30, 41]}
