from pathlib import Path

import pandas as pd
from conftest import read_table

HERE = Path(__file__).parent


def test_reads_parquet_by_extension_and_by_magic_bytes(run_component, tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, None, 1.5]})
    named = tmp_path / "in.parquet"
    frame.to_parquet(named)
    bare = tmp_path / "data"  # an upstream uri_file output has no extension
    frame.to_parquet(bare)
    for source in (named, bare):
        out = read_table(run_component(HERE, {"source": source}, tmp_path)["output_data"])
        assert list(out.columns) == ["a", "b", "c"]
        assert out["a"].tolist() == [1, 2, 3]
        assert out["b"].tolist() == ["x", "y", "z"]
        assert out["c"].isna().tolist() == [False, True, False]


def test_reads_csv_with_detected_and_given_delimiter(run_component, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id;name\n1;ann\n2;bob\n")
    out = read_table(run_component(HERE, {"source": source}, tmp_path)["output_data"])
    assert out.to_dict("list") == {"id": [1, 2], "name": ["ann", "bob"]}
    out = read_table(
        run_component(HERE, {"source": source, "delimiter": ";"}, tmp_path)["output_data"]
    )
    assert list(out.columns) == ["id", "name"]


def test_unreadable_parquet_names_the_input(run_component_failing, tmp_path):
    source = tmp_path / "broken.parquet"
    source.write_text("not parquet")
    log = run_component_failing(HERE, {"source": source}, tmp_path)
    assert "source broken.parquet could not be read as parquet" in log
