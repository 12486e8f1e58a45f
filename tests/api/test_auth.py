"""Authentication: every API route refuses anonymous callers; tokens; session login + CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from designer.core.models import ApiToken
from tests.api import assert_error_shape

pytestmark = pytest.mark.django_db

# Public on purpose: getting a token or a session needs no session or token, and "who am I"
# answers a visitor with {authenticated: false}. They must still not leak data to an
# anonymous caller (checked below).
PUBLIC = {"/api/auth/token/", "/api/auth/csrf/", "/api/auth/login/", "/api/auth/me/"}
CONVERTER_VALUES = {"int": "1", "str": "load_csv", "slug": "some-slug", "path": "a/b"}
CONVERTER_VALUES["uuid"] = "00000000-0000-0000-0000-000000000001"
PARAM_RE = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _fill(route: str) -> str:
    return PARAM_RE.sub(lambda m: CONVERTER_VALUES[m.group("conv") or "str"], route)


def _walk(patterns: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            piece = _fill(str(pattern))
        elif isinstance(pattern, RegexPattern):
            piece = str(pattern).lstrip("^").rstrip("$")
        else:  # pragma: no cover (LocalePrefixPattern is not used)
            raise AssertionError(f"unexpected pattern {pattern!r}")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + piece, entry


def api_routes() -> list[str]:
    """Every concrete API path the URLconf routes, regex fallbacks left out."""
    routes = []
    for path, entry in _walk(get_resolver().url_patterns):
        if not path.startswith("/api/"):
            continue
        if isinstance(entry.pattern, RegexPattern):
            continue  # the catch-all that answers 404 for unknown API paths
        routes.append(path)
    return sorted(set(routes))


ROUTES = api_routes()


def assert_refusal_shape(response: Any) -> None:
    """JSON (or the schema's YAML) in the error shape; the HTML docs pages answer in text."""
    kind = response["Content-Type"]
    if kind.startswith("application/json"):
        assert_error_shape(response.json())
    elif kind.startswith("application/vnd.oai.openapi"):
        assert_error_shape(yaml.safe_load(response.content))
    else:
        assert kind.startswith("text/html") and response.content.decode() in {
            "401 Unauthorized",
            "403 Forbidden",
        }, (kind, response.content[:200])


def test_the_route_walk_finds_the_documented_resources() -> None:
    assert {
        "/api/components/",
        "/api/components/load_csv/",
        "/api/components/load_csv/versions/load_csv/",
        "/api/components/load_csv/versions/load_csv/code/",
        "/api/pipelines/",
        "/api/pipelines/1/",
        "/api/pipelines/1/versions/",
        "/api/pipelines/1/versions/1/",
        "/api/pipelines/validate/",
        "/api/pipeline-schema/",
        "/api/schema/",
        "/api/auth/tokens/1/",
    } <= set(ROUTES)
    assert set(ROUTES) >= PUBLIC


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", sorted(set(ROUTES) - PUBLIC))
def test_an_anonymous_request_to_any_api_route_is_refused(
    path: str, method: str, owner: Any
) -> None:
    from designer.pipelines.services import pipeline_create

    pipeline_create(name="exists", owner=owner)  # so an id-bearing route would find data
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code in (401, 403), (path, method, response.status_code)
    assert_refusal_shape(response)
    assert "exists" not in response.content.decode()


@pytest.mark.parametrize("path", sorted(set(ROUTES) - PUBLIC))
def test_a_revoked_or_made_up_token_is_refused_everywhere(path: str, owner: Any) -> None:
    token, key = ApiToken.issue(user=owner)
    token.revoked_at = token.created_at
    token.save()
    for credentials in (f"Token {key}", "Token cvy_made_up", "Bearer nonsense", "Token a b"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=credentials)
        response = client.get(path)
        assert response.status_code == 401, (path, credentials, response.status_code)
        assert_refusal_shape(response)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_the_public_routes_leak_nothing_to_an_anonymous_caller(
    path: str, method: str, owner: Any
) -> None:
    ApiToken.issue(user=owner, name="secret-token-name")
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code < 500
    text = response.content.decode()
    for secret in ("olivia", "secret-token-name", "cvy_", "pw-olivia"):
        assert secret not in text, (path, method, text)


# Tokens -------------------------------------------------------------------------------


def obtain(username: str = "olivia", password: str = "pw-olivia-1", name: str = "") -> Any:
    return APIClient().post(
        "/api/auth/token/",
        {"username": username, "password": password, "name": name},
        format="json",
    )


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_obtained_with_username_and_password_and_works(owner: Any) -> None:
    response = obtain(name="laptop")
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("cvy_") and body["name"] == "laptop"
    assert body["token"].startswith(body["prefix"])
    me = client_with(body["token"]).get("/api/auth/me/")
    assert me.status_code == 200 and me.json()["username"] == "olivia"
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert bearer.get("/api/auth/me/").status_code == 200


def test_the_token_itself_is_never_stored(owner: Any) -> None:
    key = obtain().json()["token"]
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix, stored.name)


def test_a_wrong_password_gets_invalid_credentials(owner: Any) -> None:
    response = obtain(password="wrong")
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_credentials")
    assert obtain(username="nobody").json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token_and_their_tokens_stop_working(owner: Any) -> None:
    key = obtain().json()["token"]
    owner.is_active = False
    owner.save()
    assert obtain().status_code == 400
    assert client_with(key).get("/api/auth/me/").status_code == 401


def test_tokens_are_listed_and_one_can_be_revoked(owner: Any, outsider: Any) -> None:
    first = obtain(name="one").json()
    second = obtain(name="two").json()
    ApiToken.issue(user=outsider, name="not-mine")
    client = client_with(first["token"])
    listed = client.get("/api/auth/tokens/").json()
    assert sorted(t["name"] for t in listed) == ["one", "two"]
    assert all("token" not in t and "key_hash" not in t for t in listed)
    assert client.delete(f"/api/auth/tokens/{second['id']}/").status_code == 204
    assert client_with(second["token"]).get("/api/auth/me/").status_code == 401
    assert [t["name"] for t in client.get("/api/auth/tokens/").json()] == ["one"]
    again = client.delete(f"/api/auth/tokens/{second['id']}/")
    assert again.status_code == 404
    assert_error_shape(again.json(), "not_found")


def test_someone_elses_token_cannot_be_revoked(owner: Any, outsider: Any) -> None:
    theirs, their_key = ApiToken.issue(user=outsider)
    client = client_with(obtain().json()["token"])
    assert client.delete(f"/api/auth/tokens/{theirs.pk}/").status_code == 404
    assert client_with(their_key).get("/api/auth/me/").status_code == 200


def test_the_current_token_can_revoke_itself(owner: Any) -> None:
    key = obtain().json()["token"]
    client = client_with(key)
    assert client.delete("/api/auth/tokens/current/").status_code == 204
    response = client.get("/api/auth/me/")
    assert response.status_code == 401
    assert_error_shape(response.json())


def test_revoking_the_current_token_needs_a_token(owner: Any) -> None:
    client = APIClient()
    client.force_login(owner)
    response = client.delete("/api/auth/tokens/current/")
    assert response.status_code == 400
    assert_error_shape(response.json(), "no_token")


def test_a_401_names_the_token_scheme(owner: Any) -> None:
    response = APIClient().get("/api/components/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# Session and CSRF ---------------------------------------------------------------------


def assert_signed_out(client: APIClient) -> None:
    response = client.get("/api/auth/me/")
    assert response.status_code == 200
    assert response.json() == {"authenticated": False}


def test_a_visitor_without_a_session_is_told_they_are_not_signed_in() -> None:
    assert_signed_out(APIClient())


def test_a_signed_in_user_is_told_who_they_are(owner: Any) -> None:
    client = APIClient()
    client.force_login(owner)
    body = client.get("/api/auth/me/").json()
    assert body["authenticated"] is True and body["username"] == "olivia"


def csrf_client() -> tuple[APIClient, str]:
    client = APIClient(enforce_csrf_checks=True)
    response = client.get("/api/auth/csrf/")
    assert response.status_code == 200
    return client, response.cookies["csrftoken"].value


def login(client: APIClient, csrf: str | None, password: str = "pw-olivia-1") -> Any:
    headers = {"HTTP_X_CSRFTOKEN": csrf} if csrf else {}
    return client.post(
        "/api/auth/login/", {"username": "olivia", "password": password}, format="json", **headers
    )


def test_session_login_needs_the_csrf_token(owner: Any) -> None:
    client, _ = csrf_client()
    response = login(client, None)
    assert response.status_code == 403
    assert_error_shape(response.json())
    assert "CSRF" in response.json()["message"]
    assert_signed_out(client)


def test_session_login_with_csrf_signs_the_browser_in(owner: Any) -> None:
    client, csrf = csrf_client()
    response = login(client, csrf)
    assert response.status_code == 200
    assert response.json()["username"] == "olivia"
    assert client.get("/api/auth/me/").json()["username"] == "olivia"


def test_session_login_with_a_wrong_password_is_refused(owner: Any) -> None:
    client, csrf = csrf_client()
    response = login(client, csrf, password="nope")
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid_credentials")
    assert_signed_out(client)


def test_a_session_write_without_the_csrf_token_is_refused(owner: Any) -> None:
    client, csrf = csrf_client()
    login(client, csrf)
    csrf = client.cookies["csrftoken"].value  # rotated on login
    refused = client.post("/api/pipelines/", {"name": "sneaky"}, format="json")
    assert refused.status_code == 403
    assert_error_shape(refused.json())
    assert "CSRF" in refused.json()["message"]
    allowed = client.post(
        "/api/pipelines/", {"name": "honest"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert allowed.status_code == 201
    from designer.pipelines.models import Pipeline

    assert list(Pipeline.objects.values_list("name", flat=True)) == ["honest"]


def test_a_session_logout_needs_csrf_and_ends_the_session(owner: Any) -> None:
    client, csrf = csrf_client()
    login(client, csrf)
    csrf = client.cookies["csrftoken"].value
    assert client.post("/api/auth/logout/").status_code == 403
    assert client.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert_signed_out(client)


def test_a_token_request_needs_no_csrf(owner: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    key = client.post(
        "/api/auth/token/", {"username": "olivia", "password": "pw-olivia-1"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/pipelines/", {"name": "scripted"}, format="json").status_code == 201
