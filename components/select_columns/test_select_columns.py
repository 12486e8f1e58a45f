from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent
CSV = "a,b,c,d\n1,2,3,4\n5,6,7,8\n"


def test_keep_in_given_order_and_drop(run_component, table, tmp_path):
    source = table(CSV)
    kept = read_table(
        run_component(HERE, {"input_data": source, "columns": " c, a"}, tmp_path)["output_data"]
    )
    assert kept.to_dict("list") == {"c": [3, 7], "a": [1, 5]}
    dropped = read_table(
        run_component(HERE, {"input_data": source, "columns": "b,d", "mode": "drop"}, tmp_path)[
            "output_data"
        ]
    )
    assert dropped.to_dict("list") == {"a": [1, 5], "c": [3, 7]}


def test_unknown_column_is_named(run_component_failing, table, tmp_path):
    log = run_component_failing(HERE, {"input_data": table(CSV), "columns": "a,zz"}, tmp_path)
    assert "columns: no column(s) ['zz']" in log
