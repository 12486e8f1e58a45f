"""The fault suite's web process stand-in (a subprocess with the cluster's environment).

python -m tests.faults.driver setup                      -> {"ok": true}
python -m tests.faults.driver submit NAME DOC_JSON COUNT -> {"runs": [ids]}
python -m tests.faults.driver token                      -> {"token": key}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.engine import scaleout_driver as base

COMPONENTS = Path(__file__).parent / "components"


def setup() -> dict[str, Any]:
    from designer.registry.services import component_register_file

    base.setup()
    for path in sorted(COMPONENTS.glob("*.yml")):
        component_register_file(path, source="command")
    return {"ok": True}


def submit(name: str, doc_json: str, count: str) -> dict[str, Any]:
    settings = json.dumps({"force_rerun": True})
    return {"runs": [base.submit(name, doc_json, settings)["run"] for _ in range(int(count))]}


def token() -> dict[str, Any]:
    """An API token for the driver's user (the web burst test signs in with it)."""
    from django.contrib.auth import get_user_model

    from designer.core.models import ApiToken

    _, key = ApiToken.issue(user=get_user_model().objects.get(username="scale"), name="faults")
    return {"token": key}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = {"setup": setup, "submit": submit, "token": token}[command](*args)
    print(json.dumps(result))
