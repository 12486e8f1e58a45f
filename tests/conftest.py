"""Shared fixtures: personas, an isolated store, and real services (skip or, in CI, fail)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Test servers and workers (subprocesses with their own temporary CONVEYOR_HOME) share one
# environments folder: environments are content-addressed, so a build made by one test is
# reused by the others instead of repeated per server (docs/environments.md).
os.environ.setdefault(
    "CONVEYOR_ENV_DIR", str(Path(__file__).resolve().parent.parent / "var" / "envs")
)
REQUIRE_SERVICES = os.environ.get("CONVEYOR_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CONVEYOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SERVICE_URLS = {
    "postgres": os.environ.get(
        "CONVEYOR_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
    ),
    "redis": os.environ.get("CONVEYOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("CONVEYOR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
}


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), 2):
            return True
    except OSError:
        return False


def need_service(name: str) -> str:
    """The service's URL; skip when it is down, but fail in CI where it must run."""
    url = SERVICE_URLS[name]
    if not _reachable(url):
        message = f"{name} is not reachable at {url}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (CONVEYOR_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return url


def need_chromium() -> str:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def postgres_url() -> str:
    return need_service("postgres")


@pytest.fixture
def redis_url() -> str:
    return need_service("redis")


@pytest.fixture
def amqp_url() -> str:
    return need_service("rabbitmq")


@pytest.fixture
def chromium() -> str:
    return need_chromium()


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[object]:
    """One headless Chromium per test session: Playwright's sync API allows one instance."""
    executable = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _isolated_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Each database test gets its own component store and artifact folder."""
    if "django_db_setup" not in request.fixturenames and "db" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.STORE_DIR = tmp_path / "store"
    settings.ARTIFACTS_DIR = tmp_path / "artifacts"
    yield
    shutil.rmtree(tmp_path / "store", ignore_errors=True)


@pytest.fixture
def owner(django_user_model: object) -> object:
    return django_user_model.objects.create_user(username="olivia", password="pw-olivia-1")  # type: ignore[attr-defined]


@pytest.fixture
def outsider(django_user_model: object) -> object:
    return django_user_model.objects.create_user(username="oscar", password="pw-oscar-1")  # type: ignore[attr-defined]


@pytest.fixture
def admin_user_(django_user_model: object) -> object:
    return django_user_model.objects.create_superuser(username="ada", password="pw-ada-1")  # type: ignore[attr-defined]


@pytest.fixture
def api(owner: object) -> object:
    """An API client signed in (by token) as the owner persona."""
    from rest_framework.test import APIClient

    from designer.core.models import ApiToken

    _, key = ApiToken.issue(user=owner, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def builtins(db: None) -> list[object]:
    """The built-in catalog under components/, registered (load_csv, split_data, ...)."""
    from django.conf import settings

    from designer.registry.services import Registration, components_sync

    outcomes = components_sync(Path(settings.COMPONENTS_DIR))
    refused = [
        (path, outcome) for path, outcome in outcomes if not isinstance(outcome, Registration)
    ]
    assert not refused, refused
    return [outcome for _, outcome in outcomes]


@pytest.fixture
def outsider_api(outsider: object) -> object:
    """An API client signed in (by token) as the outsider persona."""
    from rest_framework.test import APIClient

    from designer.core.models import ApiToken

    _, key = ApiToken.issue(user=outsider, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture(autouse=True)
def _fresh_cache(settings: object, request: pytest.FixtureRequest) -> None:
    """A cache of its own per test: sign-in throttle counts never leak between tests."""
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{id(request)}",
        }
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """Personas are created in most database tests; a slow hasher only costs time there."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _cold_starts_in_the_sandbox_suite(request: pytest.FixtureRequest) -> None:
    """Warm starts are on by default; tests/sandbox keeps proving the cold sandbox, while
    tests/zygote runs the same hostile-step suite with warm starts on."""
    if request.node.path.parent.name == "sandbox":
        settings = request.getfixturevalue("settings")
        settings.WARM_STARTS = False
        settings.WARM_START_POOLS = dict.fromkeys(settings.COMPUTE_POOLS, False)
