"""The hostile-step suite (tests/sandbox) again, unchanged, with warm starts forced on.

Every attack whose command is `python3 script.py ...` is forked from a zygote here; the
others (bash one-liners) start cold, as they would in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from designer.engine.zygote import ZYGOTES
from tests.sandbox import test_hostile_steps as cold
from tests.sandbox.test_hostile_steps import listener  # noqa: F401

pytestmark = cold.pytestmark

# Their commands are shell (`ln`, `ulimit`, `&&`, `$VAR`) or their pool has devices: cold by design.
COLD_BY_DESIGN = {
    "test_a_step_runs_unprivileged_without_capabilities_in_its_own_namespaces",
    "test_an_output_folder_replaced_by_a_symlink_into_the_store_fails_the_step",
    "test_a_symlink_inside_an_output_fails_the_step_naming_it",
    "test_a_hard_link_to_the_secret_key_cannot_even_be_made_in_the_sandbox",
    "test_an_unsandboxed_staff_step_with_a_hard_link_to_a_secret_fails_naming_the_path",
    "test_a_gpu_pools_devices_and_cuda_slot_reach_the_step",
    "test_a_node_may_lower_its_limits_but_not_pass_the_pools_ceiling",
    "test_a_process_left_in_the_background_is_gone_when_the_step_ends",
    "test_a_step_cannot_write_outside_its_outputs",  # Its command reads "$CONVEYOR_WORK_DIR".
}


@pytest.fixture(autouse=True)
def warm_starts(settings: Any, request: Any) -> Iterator[None]:
    """Warm starts on for every pool; afterwards, the python attacks did start warm."""
    settings.WARM_STARTS = True
    settings.WARM_START_POOLS = dict.fromkeys(settings.COMPUTE_POOLS, True)
    # From a clean slate: a zygote that failed to start in an earlier test (whose step then
    # started cold, as designed) must not make this attack start cold for 30 s too.
    ZYGOTES.stop_all()
    before = ZYGOTES.launches
    yield
    ZYGOTES.stop_all()
    if request.node.originalname not in COLD_BY_DESIGN:
        assert ZYGOTES.launches > before, "this attack did not start warm"


for _name in dir(cold):
    if _name.startswith("test_"):
        globals()[_name] = getattr(cold, _name)
