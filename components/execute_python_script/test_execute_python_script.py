from pathlib import Path

from conftest import read_table

HERE = Path(__file__).parent

SCRIPT = """
merged = input1.merge(input2, on="id")
merged["total"] = merged["a"] + merged["b"]
output = merged[merged["total"] > 3]
(output_folder / "note.txt").write_text(str(len(output)))
"""


def test_script_gets_both_inputs(run_component, table, tmp_path):
    inputs = {
        "input1": table("id,a\n1,1\n2,2\n3,3\n", "one"),
        "input2": table("id,b\n1,1\n2,2\n3,3\n", "two"),
        "script": SCRIPT,
    }
    out = run_component(HERE, inputs, tmp_path)["output_data"]
    assert read_table(out).to_dict("list") == {
        "id": [2, 3],
        "a": [2, 3],
        "b": [2, 3],
        "total": [4, 6],
    }
    assert (out / "note.txt").read_text() == "2"


def test_default_script_and_no_inputs(run_component, table, tmp_path):
    out = run_component(HERE, {"input1": table("x\n1\n2\n")}, tmp_path)["output_data"]
    assert read_table(out)["x"].tolist() == [1, 2]
    script = "output = pd.DataFrame({'n': np.arange(3)})"
    out = run_component(HERE, {"script": script}, tmp_path)["output_data"]
    assert read_table(out)["n"].tolist() == [0, 1, 2]


def test_errors_name_the_script_line(run_component_failing, table, tmp_path):
    source = table("x\n1\n")
    log = run_component_failing(
        HERE, {"input1": source, "script": "y = 1\nz = input1['nope']"}, tmp_path
    )
    assert "script: KeyError on line 2" in log
    log = run_component_failing(HERE, {"input1": source, "script": "output = 42"}, tmp_path)
    assert "`output` must be a pandas DataFrame, not int" in log
    log = run_component_failing(HERE, {"input1": source, "script": "result = input1"}, tmp_path)
    assert "it must set `output`" in log
