import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import load_source, read_table

HERE = Path(__file__).parent
CSV = (
    "name,age,country,score,active\nann,17,NO,1.5,true\nbob,30,SE,2.5,false\n"
    "cid,45,DK,,true\ndan,18,NO,4.0,false\n"
)


FILTER = load_source(HERE / "src" / "filter_rows.py", "filter_rows_src")
FRAME = pd.read_csv(io.StringIO(CSV))


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("age >= 18", ["bob", "cid", "dan"]),
        ("age >= 18 and country in ('NO', 'SE')", ["bob", "dan"]),
        ("not (country == 'NO') or score > 3.9", ["bob", "cid", "dan"]),
        ("country not in ['NO'] AND score < 3", ["bob"]),
        ("active", ["ann", "cid"]),
        ("not active and `age` > 20", ["bob"]),
        ('18 <= age and name != "dan"', ["bob", "cid"]),
        ("score >= 0", ["ann", "bob", "dan"]),  # a missing value never matches
        ("age in (17, 45)", ["ann", "cid"]),
        ("active == true", ["ann", "cid"]),
    ],
)
def test_expressions(expression, names):
    assert FRAME[FILTER.evaluate(expression, FRAME)]["name"].tolist() == names


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("age = 18", "use == to compare"),
        ("__import__('os').system('true')", "unexpected '.' at character 17"),
        ("age > 1 && score < 2", "use and / or"),
        ("open('x')", "expected and / or"),
        ("age + 1 > 2", "unexpected '+'"),
        ("height > 2", "no column 'height'"),
        ("age > 'ten'", "one is a number and the other text"),
        ("age", "not true/false"),
        ("(age > 1", "expected `)`"),
        ("age in (name)", "may hold only numbers"),
        ("", "expression is empty"),
        ("1 < 2", "one side must be a column"),
        ("age in ('a')", "numeric but the `in` list holds text"),
    ],
)
def test_rejections(expression, message):
    with pytest.raises(FILTER.ExpressionError, match=None) as caught:
        FILTER.evaluate(expression, FRAME)
    assert message in str(caught.value)


def test_command_filters_and_reports_errors(run_component, run_component_failing, table, tmp_path):
    source = table(CSV)
    inputs = {"input_data": source, "expression": "age >= 18 and country == 'NO'"}
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert frame["name"].tolist() == ["dan"]
    assert list(frame.columns) == ["name", "age", "country", "score", "active"]
    bad = {"input_data": source, "expression": "__import__('os').system('touch pwned')"}
    log = run_component_failing(HERE, bad, tmp_path)
    assert "expression: unexpected '.' at character 17" in log
    assert not list(tmp_path.rglob("pwned"))
