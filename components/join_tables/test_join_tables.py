from pathlib import Path

import pytest
from conftest import read_table

HERE = Path(__file__).parent
LEFT = "id,name,score\n1,ann,10\n2,bob,20\n3,cid,30\n"
RIGHT = "id,city,score\n2,Oslo,200\n3,Rome,300\n4,Lima,400\n"


@pytest.mark.parametrize(
    ("how", "ids"),
    [("inner", [2, 3]), ("left", [1, 2, 3]), ("right", [2, 3, 4]), ("outer", [1, 2, 3, 4])],
)
def test_join_kinds(run_component, table, tmp_path, how, ids):
    inputs = {
        "left_data": table(LEFT, "left"),
        "right_data": table(RIGHT, "right"),
        "keys": "id",
        "how": how,
    }
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert sorted(frame["id"].tolist()) == ids
    assert list(frame.columns) == ["id", "name", "score", "city", "score_right"]
    row = frame.set_index("id").loc[2]
    assert (row["name"], row["city"], row["score_right"]) == ("bob", "Oslo", 200)


def test_differently_named_keys(run_component, table, tmp_path):
    inputs = {
        "left_data": table(LEFT, "left"),
        "right_data": table("person,city\n1,Oslo\n3,Rome\n", "right"),
        "keys": "id",
        "right_keys": "person",
    }
    frame = read_table(run_component(HERE, inputs, tmp_path)["output_data"])
    assert frame.to_dict("list") == {
        "id": [1, 3],
        "name": ["ann", "cid"],
        "score": [10, 30],
        "city": ["Oslo", "Rome"],
    }


def test_missing_key_names_the_side(run_component_failing, table, tmp_path):
    inputs = {
        "left_data": table(LEFT, "left"),
        "right_data": table("person,city\n1,Oslo\n", "right"),
        "keys": "id",
    }
    log = run_component_failing(HERE, inputs, tmp_path)
    assert "keys: the right table has no column(s) ['id']" in log
