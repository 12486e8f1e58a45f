"""Waiting out a database outage: the retry comes back well within the reapers' grace."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from designer.engine import dbretry


def test_retries_after_an_outage_come_within_a_quarter_of_the_reaper_timeout(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A step being recorded sends no heartbeat; reapers resume one reaper timeout after the
    # database is back. A retry sleeping longer than that grace re-ran a finished step.
    settings.ENGINE_REAPER_TIMEOUT = 3.0
    slept: list[float] = []
    monkeypatch.setattr(dbretry.time, "sleep", slept.append)
    monkeypatch.setattr(dbretry, "_close_broken", lambda: None)
    failures = iter(range(8))

    def action() -> str:
        if next(failures, None) is not None:
            raise OperationalError("connection refused")
        return "recorded"

    assert dbretry.db_retry(action, what="recording step 1") == "recorded"
    assert len(slept) == 8
    assert max(slept) <= 0.75
    assert slept[:3] == [0.2, 0.4, 0.75]
