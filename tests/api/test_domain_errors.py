"""Domain errors are mapped to the API's one error shape in one place (api/errors.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import designer.api
from designer.api.errors import DOMAIN_ANSWERS, exception_handler
from designer.datastores.services import DatastoreInvalid
from designer.engine.idempotency import KeyInvalid, KeyReused
from designer.engine.models import Run
from designer.engine.submit import RunRefused
from designer.pipelines.services import PipelineNameTaken
from designer.registry.store import CodeFolderError


def test_a_refused_run_answers_400_with_every_issue_naming_its_port() -> None:
    issue = {"node": None, "port": "lr", "code": "invalid_value", "message": "lr: not a number"}
    response = exception_handler(RunRefused([issue]), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid_run",
        "message": "The run cannot start; see details.",
        "details": {"errors": [issue]},
    }


def test_an_invalid_idempotency_key_answers_400_naming_the_header() -> None:
    response = exception_handler(KeyInvalid("Idempotency-Key must be 1 to 200 characters"), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid_idempotency_key",
        "message": "Idempotency-Key must be 1 to 200 characters",
        "details": {"header": "Idempotency-Key"},
    }


def test_a_reused_idempotency_key_answers_422_naming_the_run_it_made() -> None:
    response = exception_handler(KeyReused(Run(pk=41)), {})
    assert response is not None
    assert response.status_code == 422
    assert response.data["code"] == "idempotency_key_reused"
    assert response.data["details"] == {"header": "Idempotency-Key", "run": 41}


def test_a_code_folder_refused_answers_400_invalid_archive() -> None:
    response = exception_handler(CodeFolderError("code folder contains a symbolic link: x"), {})
    assert response is not None
    assert (response.status_code, response.data) == (
        400,
        {
            "code": "invalid_archive",
            "message": "code folder contains a symbolic link: x",
            "details": {},
        },
    )


def test_a_view_may_name_its_own_code_for_an_error_and_keeps_its_status_and_message() -> None:
    class GrantLike:
        error_codes = {DatastoreInvalid: "invalid_grant"}

    refused = DatastoreInvalid("user", "grant to exactly one user or one group")
    elsewhere = exception_handler(refused, {})
    here = exception_handler(refused, {"view": GrantLike()})
    assert elsewhere is not None and here is not None
    assert elsewhere.data["code"] == "invalid_datastore"
    assert (here.status_code, here.data) == (
        400,
        {
            "code": "invalid_grant",
            "message": "grant to exactly one user or one group",
            "details": {"field": "user"},
        },
    )


def test_a_subclass_of_a_domain_error_takes_its_answer() -> None:
    class Renamed(PipelineNameTaken):
        pass

    response = exception_handler(Renamed("p"), {})
    assert response is not None
    assert (response.status_code, response.data["code"]) == (409, "name_taken")


def test_an_error_no_one_mapped_is_left_to_drf() -> None:
    assert exception_handler(ValueError("boom"), {}) is None


DOMAIN_ERRORS = {
    "RunRefused",
    "KeyInvalid",
    "KeyReused",
    "PipelineNameTaken",
    "SpecError",
    "PublishForbidden",
    "VersionConflict",
    "UnknownComponent",
    "ArchiveError",
    "CodeFolderError",
    "DatastoreInvalid",
    "DataRefused",
    "DatasetError",
    "EnvironmentProblem",
    "EnvironmentDenied",
    "EnvironmentConflict",
    "YamlImportError",
    "ImportForbidden",
}
# Handlers that do more than answer the error, each with why it stays ("module:function").
KEPT = {
    # A dataset that cannot be read is still shown: 200 with the reason as its preview.
    "views/datasets.py:dataset_preview",
    # The answer names the version, and KeyError/TypeError (a stored document the exporter
    # cannot read) are a 400 only there.
    "views/yaml_io.py:PipelineExportView.get",
}


def test_the_list_here_is_every_error_errors_py_maps() -> None:
    assert {kind.__name__ for kind in DOMAIN_ANSWERS} == DOMAIN_ERRORS


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _where(parents: dict[ast.AST, ast.AST], node: ast.AST) -> str:
    """The qualified name of the class and function holding `node` ("" at module level)."""
    names = []
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return ".".join(reversed(names))


def _answering(source: str, module: str) -> list[str]:
    """Each handler in `source` that catches a domain error without re-raising it."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for handler in ast.walk(tree):
        if not isinstance(handler, ast.ExceptHandler):
            continue
        caught = _names(handler.type) & DOMAIN_ERRORS
        reraises = [type(s) for s in handler.body] == [ast.Raise] and (
            handler.body[0].exc is None  # type: ignore[attr-defined]
        )
        if caught and not reraises:
            found.append(f"{module}:{_where(parents, handler)}")
    return found


def test_the_check_finds_a_view_that_answers_a_domain_error_itself() -> None:
    source = (
        "class View:\n"
        "    def post(self, request):\n"
        "        try:\n"
        "            create()\n"
        "        except (KeyError, PipelineNameTaken) as exc:\n"
        "            raise ApiError(409, 'name_taken', str(exc)) from None\n"
        "    def put(self, request):\n"
        "        try:\n"
        "            create()\n"
        "        except PipelineNameTaken:\n"
        "            raise\n"
        "try:\n"
        "    create()\n"
        "except DataRefused:\n"
        "    pass\n"
    )
    assert sorted(_answering(source, "views/x.py")) == ["views/x.py:", "views/x.py:View.post"]


def test_no_api_module_but_errors_answers_a_domain_error_itself() -> None:
    api = Path(designer.api.__file__).parent
    answering = []
    for path in sorted(api.rglob("*.py")):
        if path.name == "errors.py" and path.parent == api:
            continue
        answering += _answering(path.read_text(), str(path.relative_to(api)))
    assert sorted(set(answering) - KEPT) == []
    assert sorted(KEPT - set(answering)) == []  # a kept handler that went away leaves the list
