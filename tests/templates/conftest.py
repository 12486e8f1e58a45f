"""Template test fixtures: the registry filled from components/, the templates installed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

# The engine's embedded worker threads, reused as they are (see tests/engine/conftest.py).
from tests.engine.conftest import embedded  # noqa: F401


@pytest.fixture
def registry(db: None) -> None:
    call_command("sync_components", "--strict", verbosity=0)


@pytest.fixture
def templates(registry: None) -> dict[str, Any]:
    from designer.pipelines.models import PipelineTemplate

    call_command("sync_templates", verbosity=0)
    return {template.slug: template for template in PipelineTemplate.objects.all()}
