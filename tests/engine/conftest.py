"""Engine fixtures: tiny components, saved pipeline versions, embedded workers.

The builders are in tests/factories.py (re-exported here for tests not yet converted).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (  # noqa: F401 (re-exported)
    components_register,
    document,
    edge,
    node,
    pipeline_version,
    steps_of,
    wait_run,
    wait_step,
)

COMPONENTS = Path(__file__).parent / "components"


@pytest.fixture
def components(db: None) -> dict[str, Any]:
    return components_register(COMPONENTS)


@pytest.fixture
def make_version(components: dict[str, Any], owner: Any) -> Any:
    """make_version(doc, name=...) -> a saved PipelineVersion (new version if name exists)."""

    def make(doc: dict[str, Any], name: str = "p") -> Any:
        return pipeline_version(doc, owner=owner, name=name)

    return make


@pytest.fixture
def embedded(settings: Any) -> Iterator[Any]:
    """Embedded worker threads on the stub broker, with quick heartbeats and reaping."""
    import dramatiq

    from designer.engine.worker import embedded_worker_start, embedded_worker_stop

    settings.ENGINE_HEARTBEAT_INTERVAL = 0.2
    settings.ENGINE_REAPER_TIMEOUT = 2.0
    settings.ENGINE_REAPER_INTERVAL = 0.5
    settings.ENGINE_KILL_GRACE = 1.0
    settings.ENGINE_CANCEL_POLL = 0.1
    worker = embedded_worker_start(threads=4)
    yield worker
    embedded_worker_stop(worker)
    dramatiq.get_broker().flush_all()
