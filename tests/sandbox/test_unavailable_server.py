"""A real server whose sandbox cannot start says so in its start-up log and, to staff, in
a banner on every page (a real Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import DIST_INDEX, VIEWPORT, sign_in
from tests.support.server import ConveyorServer

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture
def unsandboxed_server(tmp_path: Path) -> Iterator[ConveyorServer]:
    if not DIST_INDEX.exists():
        pytest.fail(f"{DIST_INDEX} is missing: build the front end first (npm run build)")
    server = ConveyorServer(
        home=tmp_path / "home", env_extra={"CONVEYOR_BWRAP": str(tmp_path / "no-bwrap")}
    )
    server.home.mkdir()
    yield server.start()
    server.stop()


def test_a_server_without_a_sandbox_says_so_at_start_up_and_in_a_banner_for_staff(
    unsandboxed_server: ConveyorServer, playwright_browser: Any
) -> None:
    assert "STEP SANDBOX UNAVAILABLE" in unsandboxed_server.log()
    assert "no-bwrap" in unsandboxed_server.log()
    context = playwright_browser.new_context(viewport=VIEWPORT, base_url=unsandboxed_server.url)
    try:
        page = context.new_page()
        sign_in(page, unsandboxed_server.admin_password)
        banner = page.get_by_role("alert").filter(has_text="step sandbox cannot start")
        banner.wait_for()
        assert "Runs of non-staff users are refused" in banner.inner_text()
    finally:
        context.close()
