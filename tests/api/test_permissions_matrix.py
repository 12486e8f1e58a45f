"""Every API route, walked from the resolver, answers each persona as the table below says.

Personas: the owner of every object in the URL, another signed-in user, and staff. The
table lists, per route and method, the status each of them gets. A method a route does
not list must answer 405 to all three, and a route the table does not list fails the
test: a new route ships only with a row saying who may use it (SECURITY.md, "Where it is
enforced"). Another user's run and everything under it is a 404, never a 403: they do not
learn that it exists.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from designer.core.models import ApiToken
from tests.api import spec_yaml, upload, zip_bytes
from tests.engine import conftest as engine

pytestmark = pytest.mark.django_db

components = engine.components
make_version = engine.make_version

METHODS = ("get", "patch", "put", "post", "delete")  # GET first, DELETE last
PERSONAS = ("owner", "other", "staff")
SECRET = "olivia-private-marker"  # in the owner's run, log, output and token: never shown to others
OWNED = (200, 404, 200)  # a run and what is under it: submitter and staff
ALL = (200, 200, 200)
STAFF_ONLY = (403, 403, 201)
OWNER_CHANGES = (201, 403, 201)  # shared catalog: everyone reads, owner and staff write

# route -> method -> (owner, other, staff)
EXPECTED: dict[str, dict[str, tuple[int, int, int]]] = {
    "/api/auth/token/": {"post": (201, 201, 201)},
    "/api/auth/tokens/": {"get": ALL},
    "/api/auth/tokens/current/": {"delete": (204, 204, 204)},
    "/api/auth/tokens/<int:token_id>/": {"delete": (204, 404, 404)},  # own tokens only
    "/api/auth/csrf/": {"get": ALL},
    "/api/auth/login/": {"post": ALL},
    "/api/auth/logout/": {"post": (204, 204, 204)},
    "/api/auth/me/": {"get": ALL},
    "/api/meta/": {"get": ALL},
    "/api/components/": {"get": ALL, "post": OWNER_CHANGES},
    "/api/components/<str:name>/": {"get": ALL},
    "/api/components/<str:name>/versions/<str:version>/": {"get": ALL},
    "/api/components/<str:name>/versions/<str:version>/code/": {"get": ALL},
    "/api/pipelines/": {"get": ALL, "post": (201, 201, 201)},
    "/api/pipelines/validate/": {"post": ALL},
    "/api/pipelines/<int:pipeline_id>/": {"get": ALL},
    "/api/pipelines/<int:pipeline_id>/versions/": {"get": ALL, "post": OWNER_CHANGES},
    "/api/pipelines/<int:pipeline_id>/versions/<int:number>/": {"get": ALL},
    "/api/pipelines/<int:pipeline_id>/clone/": {"post": (201, 201, 201)},
    "/api/pipelines/<int:pipeline_id>/archive/": {"post": (200, 403, 200)},
    "/api/pipelines/<int:pipeline_id>/versions/<int:number>/export/": {"get": ALL},
    # Column pickers: read only runs the caller may see; for others, simply no columns.
    "/api/pipelines/<int:pipeline_id>/columns/": {"get": ALL},
    "/api/pipelines/import/": {"post": (201, 201, 201)},
    "/api/runs/": {"get": ALL, "post": (201, 201, 201)},
    "/api/runs/<int:run_id>/": {"get": OWNED},
    "/api/runs/<int:run_id>/cancel/": {"post": OWNED},
    "/api/runs/<int:run_id>/rerun/": {"post": (201, 404, 201)},
    "/api/runs/<int:run_id>/events/": {"get": OWNED},
    "/api/runs/<int:run_id>/label/": {"get": OWNED, "patch": OWNED},
    # Comparing and listing metrics name runs in ?ids=: someone else's run is a 404 there too.
    "/api/runs/compare/": {"get": OWNED},
    "/api/runs/metrics/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/log/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/log/tail/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/log/chunk/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/preview/": {"get": OWNED},
    "/api/runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/download/": {"get": OWNED},
    "/api/datasets/": {"get": ALL, "post": (201, 201, 201)},
    "/api/datasets/<int:dataset_id>/": {"get": OWNED},  # your uploads; all for staff
    # Staff register and grant datastores; a datastore not granted to you is a 404.
    "/api/datastores/": {"get": ALL, "post": STAFF_ONLY},
    "/api/datastores/<str:name>/": {"get": OWNED},
    "/api/datastores/<str:name>/browse/": {"get": OWNED},
    "/api/datastores/<str:name>/grants/": {"post": STAFF_ONLY},
    "/api/templates/": {"get": ALL},
    # Environments: a shared catalog; a name's first publisher and staff add versions.
    "/api/environments/": {"get": ALL, "post": OWNER_CHANGES},
    "/api/environments/<str:name>/": {"get": ALL},
    "/api/environments/<str:name>/versions/<str:version>/": {"get": ALL},
    "/api/templates/<slug:slug>/instantiate/": {"post": (201, 201, 201)},
    "/api/pipeline-schema/": {"get": ALL},
    "/api/schema/": {"get": ALL},
    "/api/docs/": {"get": ALL},
}
QUERIES = {
    "/api/pipelines/<int:pipeline_id>/columns/": "node=a&port=out",
    "/api/runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/download/": "path=a.txt",
    "/api/runs/compare/": "ids={run_id}",
    "/api/runs/metrics/": "ids={run_id}",
}
MULTIPART = {"/api/components/", "/api/datasets/"}


def _walk(patterns: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            piece = str(pattern)
        elif isinstance(pattern, RegexPattern):
            piece = str(pattern).lstrip("^").rstrip("$")
        else:  # pragma: no cover (LocalePrefixPattern is not used)
            raise AssertionError(f"unexpected pattern {pattern!r}")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + piece, entry


def api_routes() -> list[str]:
    """Every API route pattern the URLconf holds, the catch-all 404 left out."""
    return sorted(
        {
            route
            for route, entry in _walk(get_resolver().url_patterns)
            if route.startswith("/api/") and not isinstance(entry.pattern, RegexPattern)
        }
    )


ROUTES = api_routes()


def test_every_api_route_has_a_row_in_the_permission_table() -> None:
    missing = sorted(set(ROUTES) - set(EXPECTED))
    assert not missing, f"routes without a permission row (add them to EXPECTED): {missing}"
    stale = sorted(set(EXPECTED) - set(ROUTES))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def client_for(user: Any, name: str = "tests") -> APIClient:
    _, key = ApiToken.issue(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def world(
    components: Any, make_version: Any, owner: Any, outsider: Any, admin_user_: Any, tmp_path: Path
) -> dict[str, Any]:
    """Real objects of the owner persona for every kind of URL argument."""
    from designer.datastores.datasets import dataset_store_upload
    from designer.datastores.services import dataset_record, datastore_create, datastore_grant
    from designer.engine.models import Run
    from designer.engine.submit import run_submit
    from designer.environments.services import environment_create
    from designer.pipelines.models import PipelineTemplate
    from designer.registry.services import component_register

    code = tmp_path / "code"
    code.mkdir()
    (code / "echo.py").write_text("print('hello')\n")
    tool = component_register(yaml_text=spec_yaml("olivia_tool", "1"), code_dir=code, user=owner)
    doc = engine.document([engine.node("a", "t_echo@1", text="a")])
    version = make_version(doc, name="olivias-pipeline")
    run = run_submit(pipeline_version=version, user=owner)
    Run.objects.filter(pk=run.pk).update(error=SECRET)
    artifacts = Path(settings.ARTIFACTS_DIR)
    output = f"runs/{run.pk}/a/1/outputs/out"
    (artifacts / output).mkdir(parents=True)
    (artifacts / output / "a.txt").write_text(SECRET)
    (artifacts / f"runs/{run.pk}/a/1/log.txt").write_text(f"{SECRET}\n")
    step = run.steps.get(node_id="a")
    step.outputs = {"out": {"path": output, "type": "uri_folder"}}
    step.log_path = f"runs/{run.pk}/a/1/log.txt"
    step.save(update_fields=["outputs", "log_path"])
    token, _ = ApiToken.issue(user=owner, name=SECRET)
    template = PipelineTemplate.objects.create(slug="tpl", name="Template", document=doc)
    stored = dataset_store_upload(io.BytesIO(b"a\n1\n"), filename=f"{SECRET}.csv")
    dataset = dataset_record(stored, owner=owner)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / f"{SECRET}.csv").write_text("a\n1\n")
    datastore = datastore_create(name="olivias_store", root=str(tmp_path / "shared"))
    datastore_grant(datastore=datastore, user=owner, access="read")
    environment_create(yaml_text=environment_yaml("1"), user=owner)
    return {
        "users": {"owner": owner, "other": outsider, "staff": admin_user_},
        "passwords": {"owner": "pw-olivia-1", "other": "pw-oscar-1", "staff": "pw-ada-1"},
        "kwargs": {
            "token_id": token.pk,
            "name": tool.version.component.name,
            "version": tool.version.version,
            "pipeline_id": version.pipeline_id,
            "number": version.number,
            "run_id": run.pk,
            "node_id": "a",
            "port": "out",
            "slug": template.slug,
            "dataset_id": dataset.pk,
        },
        "datastore": datastore.name,
        "tmp": tmp_path,
        "document": doc,
    }


def url_of(route: str, world: dict[str, Any]) -> str:
    kwargs = dict(world["kwargs"])
    if route.startswith("/api/datastores/"):
        kwargs["name"] = world["datastore"]
    if route.startswith("/api/environments/"):
        kwargs.update(name="olivias-env", version="1")
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    query = QUERIES.get(route, "").format(**kwargs)
    return f"{path}?{query}" if query else path


def environment_yaml(version: str) -> str:
    return f"name: olivias-env\nversion: '{version}'\nimage: python:3.11\n"


IMPORT_YAML = """\
type: pipeline
display_name: imported
jobs:
  one:
    type: command
    component: azureml:t_echo:1
"""


def body_for(route: str, method: str, persona: str, world: dict[str, Any]) -> Any:
    """A valid request body, so that an allowed call succeeds rather than failing validation."""
    user, password = world["users"][persona], world["passwords"][persona]
    mine = f"{persona}-copy"

    def new_root() -> Path:
        root = world["tmp"] / "new-root"
        root.mkdir(exist_ok=True)
        return root

    bodies: dict[tuple[str, str], Callable[[], Any]] = {
        ("/api/auth/token/", "post"): lambda: {"username": user.username, "password": password},
        ("/api/auth/login/", "post"): lambda: {"username": user.username, "password": password},
        ("/api/components/", "post"): lambda: {
            "spec": spec_yaml("olivia_tool", "2"),
            "code": upload("code.zip", zip_bytes({"echo.py": b"print(2)\n"})),
        },
        ("/api/pipelines/", "post"): lambda: {"name": mine},
        ("/api/pipelines/validate/", "post"): lambda: {"document": world["document"]},
        ("/api/pipelines/<int:pipeline_id>/versions/", "post"): lambda: {
            "document": {**world["document"], "name": "olivias-pipeline"}
        },
        ("/api/pipelines/<int:pipeline_id>/clone/", "post"): lambda: {"name": mine},
        ("/api/pipelines/<int:pipeline_id>/archive/", "post"): lambda: {"archived": True},
        ("/api/pipelines/import/", "post"): lambda: {"yaml": IMPORT_YAML, "name": mine},
        ("/api/runs/", "post"): lambda: {"pipeline": world["kwargs"]["pipeline_id"]},
        ("/api/datasets/", "post"): lambda: {"file": upload("data.csv", b"a,b\n1,2\n")},
        ("/api/templates/<slug:slug>/instantiate/", "post"): lambda: {"name": mine},
        ("/api/runs/<int:run_id>/label/", "patch"): lambda: {"name": "renamed"},
        ("/api/datastores/", "post"): lambda: {"name": "new_store", "root": str(new_root())},
        ("/api/datastores/<str:name>/grants/", "post"): lambda: {"user": "oscar"},
        ("/api/environments/", "post"): lambda: {"yaml": environment_yaml("2")},
    }
    make = bodies.get((route, method))
    return make() if make is not None else {}


def call(client: APIClient, method: str, route: str, url: str, body: Any) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    kind = "multipart" if route in MULTIPART else "json"
    return getattr(client, method)(url, body, format=kind)


def content_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", [r for r in ROUTES if r in EXPECTED])
def test_each_persona_gets_the_answer_the_table_gives_on_every_route(
    route: str, persona: str, world: dict[str, Any]
) -> None:
    client = client_for(world["users"][persona])
    url = url_of(route, world)
    expected = EXPECTED[route]
    index = PERSONAS.index(persona)
    # GET first and DELETE last: a write (cancel, archive, revoke) must not change what the
    # other calls see.
    for method in METHODS:
        body = body_for(route, method, persona, world)
        response = call(client, method, route, url, body)
        want = expected[method][index] if method in expected else 405
        assert response.status_code == want, (
            f"{method.upper()} {url} as {persona}: {response.status_code}, expected {want}: "
            f"{content_of(response)[:300]!r}"
        )
        if persona == "other":
            assert SECRET.encode() not in content_of(response), (method, url)


# WebSocket routes -> (owner, other, staff): "accepted", or the close code.
RUN_SOCKET = "^ws/runs/(?P<run_id>\\d+)/$"
WS_EXPECTED = {RUN_SOCKET: ("accepted", 4403, "accepted")}


def test_every_websocket_route_has_a_row_in_the_permission_table() -> None:
    # NOT_FOUND_PATTERN: any other path, closed with 4404.
    from designer.live.routing import NOT_FOUND_PATTERN, websocket_urlpatterns

    assert {str(p.pattern) for p in websocket_urlpatterns} == {*WS_EXPECTED, NOT_FOUND_PATTERN}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_answer_the_table_gives_on_the_run_socket(
    persona: str, world: dict[str, Any]
) -> None:
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from designer.asgi import application

    _, key = ApiToken.issue(user=world["users"][persona], name="socket")
    path = f"/ws/runs/{world['kwargs']['run_id']}/"
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]

    async def answer() -> Any:
        comm = WebsocketCommunicator(
            application, path, headers=headers, subprotocols=["conveyor", f"token.{key}"]
        )
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "hello", "after": 0})
        message = await comm.receive_output(timeout=3)
        await comm.disconnect()
        if message["type"] == "websocket.close":
            return message.get("code")
        return "accepted"

    want = WS_EXPECTED[RUN_SOCKET][PERSONAS.index(persona)]
    assert async_to_sync(answer)() == want
