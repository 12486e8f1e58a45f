"""Domain errors are mapped to the API's one error shape in one place (api/errors.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import designer.api
from designer.api.errors import exception_handler
from designer.engine.idempotency import KeyInvalid, KeyReused
from designer.engine.models import Run
from designer.engine.submit import RunRefused


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


DOMAIN_ERRORS = {"RunRefused", "KeyInvalid", "KeyReused"}


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def test_no_api_module_but_errors_answers_a_domain_error_itself() -> None:
    api = Path(designer.api.__file__).parent
    answering = []
    for path in sorted(api.rglob("*.py")):
        if path.name == "errors.py" and path.parent == api:
            continue
        for handler in ast.walk(ast.parse(path.read_text())):
            if not isinstance(handler, ast.ExceptHandler):
                continue
            caught = _names(handler.type) & DOMAIN_ERRORS
            reraises = [type(s) for s in handler.body] == [ast.Raise] and (
                handler.body[0].exc is None  # type: ignore[attr-defined]
            )
            if caught and not reraises:
                answering.append(f"{path.relative_to(api)}:{handler.lineno} {sorted(caught)}")
    assert answering == []
