"""A real Conveyor server and one headless Chromium, shared by every browser test."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import ROOT, ConveyorServer

DIST_INDEX = ROOT / "frontend" / "dist" / "index.html"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
FIXTURES = ROOT / "tests" / "fixtures" / "pipelines"
VIEWPORT = {"width": 1440, "height": 900}
# Small enough that a test can send a real over-limit upload and see the server's 413.
UPLOAD_MAX_BYTES = 1_000_000

pytestmark = pytest.mark.browser


class Api:
    """A token-authenticated JSON client for arranging and checking what the browser did."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        body = {"username": username, "password": password, "name": "browser-tests"}
        self.token = self._send("POST", "/api/auth/token/", body, token=None)["token"]

    def _send(self, method: str, path: str, body: Any, token: str | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path} -> {exc.code}: {exc.read()[:2000]!r}") from None
        return json.loads(text) if text else None

    def get(self, path: str) -> Any:
        return self._send("GET", path, None, self.token)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, body, self.token)

    def create_pipeline(self, document: dict[str, Any], message: str = "created by a test") -> Any:
        body = {
            "name": document["name"],
            "description": document.get("description", ""),
            "document": document,
            "message": message,
        }
        return self.post("/api/pipelines/", body)

    def upload(self, file_name: str, content: bytes) -> dict[str, Any]:
        """Upload a file as a dataset; the answer holds its `reference`."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(self.base_url + "/api/datasets/", data=body)
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("Authorization", f"Token {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))

    def latest_document(self, pipeline_id: int) -> dict[str, Any]:
        return self.get(f"/api/pipelines/{pipeline_id}/")["latest"]["document"]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConveyorServer]:
    if not DIST_INDEX.exists():
        pytest.fail(
            f"{DIST_INDEX} is missing: build the front end first "
            "(cd frontend && npm ci && npm run build, or `make test`)."
        )
    running = ConveyorServer(
        home=tmp_path_factory.mktemp("conveyor-home"),
        env_extra={"CONVEYOR_UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES)},
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api(server: ConveyorServer) -> Api:
    return Api(server.url, "admin", server.admin_password)


@pytest.fixture(scope="session")
def browser(playwright_browser: Any) -> Any:
    return playwright_browser


@pytest.fixture(scope="session")
def signed_in_state(browser: Any, server: ConveyorServer) -> dict[str, Any]:
    """Cookies of a session signed in through the login page, reused by every test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    page = context.new_page()
    sign_in(page, server.admin_password)
    state = context.storage_state()
    context.close()
    return state


def sign_in(page: Any, password: str, username: str = "admin") -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("btn-login").click()
    page.wait_for_url("**/pipelines")


@pytest.fixture
def context(browser: Any, server: ConveyorServer, signed_in_state: dict[str, Any]) -> Iterator[Any]:
    """A fresh browser context per test, already signed in as the admin."""
    context = browser.new_context(
        viewport=VIEWPORT, base_url=server.url, storage_state=signed_in_state
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that fails the test on uncaught errors and keeps a screenshot of a failure."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}.png")
    assert not errors, f"uncaught errors in the page: {errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-window screenshot in the light and the dark theme; restore the theme."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    start = page.evaluate("document.documentElement.dataset.theme || 'light'")
    order = [start, "dark" if start == "light" else "light"]
    for theme in order:
        set_theme(page, theme)
        page.mouse.move(0, 0)
        page.wait_for_timeout(150)
        page.screenshot(path=SCREENSHOTS / f"{name}-{theme}.png")
    set_theme(page, start)
    return SCREENSHOTS / f"{name}-light.png"


def set_theme(page: Any, theme: str) -> None:
    current = page.evaluate("document.documentElement.dataset.theme || 'light'")
    if current != theme:
        page.get_by_test_id("theme-toggle").click()
        page.wait_for_function(f"document.documentElement.dataset.theme === '{theme}'")


def fixture_document(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())
