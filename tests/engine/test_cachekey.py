"""Cache keys and the reasons a step runs again (pure: no database)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from designer.engine.cachekey import CacheParts, cache_key, explain_rerun, explain_reuse

BASE = CacheParts(
    component_digest="c" * 64,
    component_ref="train@1.0.0",
    params={"lr": "0.01", "seed": "42", "note": None},
    input_digests={"data": "d" * 64},
    output_settings={"model": {"mode": "rw_mount"}},
)


def test_the_cache_key_is_a_sha256_hex_string():
    key = BASE.key()
    assert len(key) == 64 and int(key, 16) >= 0


def test_the_cache_key_does_not_depend_on_mapping_order():
    reordered = CacheParts(
        component_digest=BASE.component_digest,
        component_ref=BASE.component_ref,
        params={"note": None, "seed": "42", "lr": "0.01"},
        input_digests={"data": "d" * 64},
        output_settings={"model": {"mode": "rw_mount"}},
    )
    assert reordered.key() == BASE.key()


@pytest.mark.parametrize(
    "change",
    [
        {"component_digest": "e" * 64},
        {"component_ref": "train@1.0.1"},
        {"params": {"lr": "0.02", "seed": "42"}},
        {"input_digests": {"data": "f" * 64}},
        {"output_settings": {"model": {"mode": "upload"}}},
    ],
)
def test_any_changed_part_changes_the_cache_key(change):
    assert replace(BASE, **change).key() != BASE.key()


def test_an_unset_parameter_and_a_missing_one_give_the_same_key():
    assert replace(BASE, params={"lr": "0.01", "seed": "42"}).key() == BASE.key()


def test_values_must_be_rendered_to_strings_before_hashing():
    with pytest.raises(TypeError, match="lr"):
        cache_key(
            component_digest="c",
            component_ref="x@1",
            params={"lr": 0.01},  # type: ignore[dict-item]
            input_digests={},
            output_settings={},
        )


def test_output_settings_that_are_not_json_are_refused():
    with pytest.raises((TypeError, ValueError)):
        replace(BASE, output_settings={"model": {1, 2}}).key()
    with pytest.raises(ValueError):
        replace(BASE, output_settings={"x": float("nan")}).key()


def test_parts_round_trip_through_json():
    stored = json.loads(json.dumps(BASE.as_dict()))
    assert CacheParts.from_dict(stored) == BASE
    assert CacheParts.from_dict(stored).key() == BASE.key()


def test_a_step_without_an_earlier_result_says_so():
    assert explain_rerun(None, BASE, forced=False, deterministic=True) == "no earlier result"


def test_a_new_component_version_says_component_changed():
    current = replace(BASE, component_ref="train@2.0.0", component_digest="e" * 64)
    assert explain_rerun(BASE, current, forced=False, deterministic=True) == "component changed"


def test_one_changed_parameter_is_named():
    current = replace(BASE, params={**BASE.params, "lr": "0.1"})
    assert explain_rerun(BASE, current, forced=False, deterministic=True) == "parameter lr changed"


def test_every_changed_added_or_removed_parameter_is_named():
    current = replace(BASE, params={"lr": "0.1", "seed": "7", "epochs": "3"})
    reason = explain_rerun(BASE, current, forced=False, deterministic=True)
    assert reason == "parameters epochs, lr, seed changed"


def test_a_changed_input_is_named():
    current = replace(BASE, input_digests={"data": "0" * 64})
    assert explain_rerun(BASE, current, forced=False, deterministic=True) == "input data changed"


def test_several_reasons_are_joined_in_a_fixed_order():
    current = replace(
        BASE,
        component_digest="e" * 64,
        params={**BASE.params, "seed": "1"},
        input_digests={"data": "0" * 64, "extra": "1" * 64},
        output_settings={},
    )
    reason = explain_rerun(BASE, current, forced=False, deterministic=True)
    assert reason == (
        "component changed; parameter seed changed; inputs data, extra changed; "
        "output setting model changed"
    )


def test_forced_and_non_deterministic_steps_say_so():
    assert explain_rerun(BASE, BASE, forced=True, deterministic=True) == "forced"
    assert explain_rerun(BASE, BASE, forced=False, deterministic=False) == "non-deterministic"
    both = explain_rerun(None, BASE, forced=True, deterministic=False)
    assert both == "forced; non-deterministic; no earlier result"


def test_identical_parts_mean_the_earlier_result_was_unavailable():
    reason = explain_rerun(BASE, replace(BASE), forced=False, deterministic=True)
    assert reason == "earlier result unavailable"


def test_a_reused_step_names_its_source_run():
    assert explain_reuse(17) == "reused from run 17"
    assert "17" not in explain_reuse(None) and "another user" in explain_reuse(None)
