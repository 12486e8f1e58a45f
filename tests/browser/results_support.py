"""Small components and runs for the results and run-page browser tests (issue 14)."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from typing import Any

from tests.browser.conftest import Api


def png(width: int, height: int) -> bytes:
    """A real RGB PNG (a diagonal gradient) of the given size, as a plot would be."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x // 64 * 25, y // 48 * 25, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# A 640x480 plot, written by the step with base64 -d.
PNG_B64 = base64.b64encode(png(640, 480)).decode()
LONG_LINE = "x" * 600 + " MARKER-END"

RESULTS = f"""
name: results_fixture
version: "1"
type: command
is_deterministic: true
inputs:
  rows: {{type: integer, default: 30}}
  salt: {{type: string, default: "-"}}
outputs:
  table: {{type: uri_folder}}
  evaluation: {{type: uri_folder}}
  model: {{type: uri_folder}}
command: >-
  t=${{{{inputs.salt}}}}; echo 'id,city,score,tag' > ${{{{outputs.table}}}}/data.csv;
  i=0; while [ $i -lt ${{{{inputs.rows}}}} ]; do
  if [ $i -eq 5 ]; then s=''; else s=$i; fi;
  if [ $((i % 3)) -eq 0 ]; then c=oslo; else c=paris; fi;
  echo "$i,$c,$s,$t" >> ${{{{outputs.table}}}}/data.csv; i=$((i+1)); done;
  n=${{{{inputs.rows}}}};
  echo "{{\\"accuracy\\": 0.$((n + 10)), \\"f1\\": 0.8}}"
  > ${{{{outputs.evaluation}}}}/metrics.json;
  echo '{PNG_B64}' | base64 -d > ${{{{outputs.evaluation}}}}/confusion_matrix.png;
  echo '{PNG_B64}' | base64 -d > ${{{{outputs.evaluation}}}}/roc_curve.png;
  echo '{{"task": "classification", "algorithm": "forest", "features": ["age", "income"],
  "target": "label", "params": {{"n_estimators": 10}}}}' > ${{{{outputs.model}}}}/model.json;
  echo 'binary' > ${{{{outputs.model}}}}/model.pkl;
  echo 'wrote the results' ${{{{inputs.salt}}}}; echo '{LONG_LINE}'
"""

CONSUME = """
name: results_consume
version: "1"
type: command
is_deterministic: true
inputs:
  data: {type: uri_folder}
outputs:
  out: {type: uri_folder}
command: cp ${{inputs.data}}/data.csv ${{outputs.out}}/data.csv && echo consumed
"""

SLOW = """
name: results_slow
version: "1"
type: command
is_deterministic: false
inputs:
  seconds: {type: integer, default: 120}
outputs:
  out: {type: uri_folder}
command: sleep ${{inputs.seconds}}; echo done > ${{outputs.out}}/done.txt
"""


CHECK = """
name: results_check
version: "1"
type: command
is_deterministic: true
inputs:
  data: {type: uri_folder}
  ok: {type: string, default: "no"}
outputs:
  out: {type: uri_folder}
command: >-
  if [ ${{inputs.ok}} != yes ]; then echo "check failed: ok is not yes" >&2; exit 3; fi;
  cp ${{inputs.data}}/data.csv ${{outputs.out}}/data.csv
"""


def register(api: Api) -> None:
    """Publish the components once per server (a second publish is refused: fine)."""
    for spec in (RESULTS, CONSUME, SLOW, CHECK):
        try:
            api.post("/api/components/", {"spec": spec})
        except AssertionError as exc:
            if "409" not in str(exc) and "exists" not in str(exc):
                raise


def node(node_id: str, component: str, x: int, **values: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "component": component,
        "inputs": {k: {"value": v} for k, v in values.items()},
        "position": {"x": x, "y": 0},
    }


def document(name: str, nodes: list[dict[str, Any]], edges: list[tuple[str, str, str, str]]) -> Any:
    return {
        "schema_version": 1,
        "name": name,
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu", "continue_on_step_failure": False},
        "nodes": nodes,
        "edges": [
            {"source": s, "source_port": sp, "target": t, "target_port": tp}
            for s, sp, t, tp in edges
        ],
    }


def results_pipeline(name: str) -> Any:
    """make -> consume; make's row count is the pipeline input `rows`. The pipeline's name is
    a parameter too, so that no other test's run of the same rows is reused."""
    make = node("make", "results_fixture@1", 0, salt=name)
    make["inputs"]["rows"] = {"pipeline_input": "rows"}
    doc = document(
        name,
        [make, node("consume", "results_consume@1", 320)],
        [("make", "table", "consume", "data")],
    )
    doc["inputs"] = {"rows": {"type": "integer", "default": 30, "optional": False}}
    return doc


def slow_pipeline(name: str) -> Any:
    return document(
        name,
        [node("wait", "results_slow@1", 0), node("after", "results_consume@1", 320)],
        [("wait", "out", "after", "data")],
    )


def submit(api: Api, pipeline_id: int, version: int = 1, **inputs: Any) -> int:
    run = api.post("/api/runs/", {"pipeline": pipeline_id, "version": version, "inputs": inputs})
    return int(run["id"])


def wait_for_run(api: Api, run_id: int, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api.get(f"/api/runs/{run_id}/")
        if run["status"] in ("Completed", "Failed", "Canceled"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not finish in {timeout}s")
