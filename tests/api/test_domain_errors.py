"""Domain errors are mapped to the API's one error shape in one place (api/errors.py)."""

from __future__ import annotations

from designer.api.errors import exception_handler
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
