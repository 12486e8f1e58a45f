"""A small HTTP client for the Conveyor REST API (standard library only)."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conveyor import config

TERMINAL = {"Completed", "Failed", "Canceled"}
# A submit is retried (with its Idempotency-Key) after these pauses when the server could
# not be reached (status 0) or was unavailable.
SUBMIT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
RETRIED_STATUSES = {0, 502, 503, 504}
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache"}
Files = dict[str, tuple[str, bytes]]


class ApiError(Exception):
    """An HTTP error with the server's code and message (or a connection problem)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        self.status, self.code, self.message, self.details = status, code, message, details
        super().__init__(f"{message} (HTTP {status}, {code})" if status else message)


def zip_folder(folder: Path) -> bytes:
    """The folder's files as a zip, leaving out VCS folders, virtualenvs and caches."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not SKIPPED_DIRS.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def _multipart(fields: dict[str, str], files: Files) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """`Client(url, token)`; both default to CONVEYOR_URL/CONVEYOR_TOKEN or `conveyor login`."""

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        found = config.load(url, token)
        if not found.url or not found.token:
            raise ApiError(
                0, "not_logged_in", "not logged in: run `conveyor login --url URL` first"
            )
        self.url, self.token = found.url.rstrip("/"), found.token

    @staticmethod
    def login(url: str, username: str, password: str) -> str:
        """Exchange a username and password for an API token."""
        body = json.dumps({"username": username, "password": password}).encode()
        data = _send(url.rstrip("/") + "/api/auth/token/", "POST", body, {}, "application/json")
        return str(json.loads(data)["token"])

    # Plumbing --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        fields: dict[str, str] | None = None,
        files: Files | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        body, kind = None, None
        if files is not None or fields is not None:
            body, kind = _multipart(fields or {}, files or {})
        elif json_body is not None:
            body, kind = json.dumps(json_body).encode(), "application/json"
        sent = {"Authorization": f"Token {self.token}", **(headers or {})}
        return _send(url, method, body, sent, kind)

    def get(self, path: str, **query: Any) -> Any:
        return json.loads(self.request("GET", path, query=query))

    def post(self, path: str, body: Any = None) -> Any:
        return json.loads(self.request("POST", path, json_body=body if body is not None else {}))

    def _all(self, path: str, **query: Any) -> list[dict[str, Any]]:
        page = self.get(path, **query)
        return list(page["results"]) if isinstance(page, dict) and "results" in page else page

    # Components and pipelines ----------------------------------------------------------

    def component_create(self, spec_path: Path) -> dict[str, Any]:
        """Upload a component spec and its code folder (zipped)."""
        from designer.core.yamlsafe import safe_load

        text = spec_path.read_text(encoding="utf-8")
        spec = safe_load(text) or {}
        files: Files = {}
        code = spec.get("code") if isinstance(spec, dict) else None
        if isinstance(code, str):
            files["code"] = ("code.zip", zip_folder((spec_path.parent / code).resolve()))
        data = self.request("POST", "/api/components/", fields={"spec": text}, files=files)
        return dict(json.loads(data))

    def dataset_upload(self, path: Path) -> dict[str, Any]:
        """Upload a local file, or a folder (zipped here), as a dataset of yours."""
        fields = {"folder": "true"} if path.is_dir() else {}
        payload = zip_folder(path) if path.is_dir() else path.read_bytes()
        filename = f"{path.name}.zip" if path.is_dir() else path.name
        files: Files = {"file": (filename, payload)}
        data = self.request("POST", "/api/datasets/", fields=fields, files=files)
        return dict(json.loads(data))

    def components(self, search: str = "") -> list[dict[str, Any]]:
        return self._all("/api/components/", search=search or None)

    def component(self, name: str, version: str | None = None) -> dict[str, Any]:
        name_q = urllib.parse.quote(name)
        if version:
            return dict(self.get(f"/api/components/{name_q}/versions/{version}/"))
        return dict(self.get(f"/api/components/{name_q}/"))

    def pipeline_import(self, yaml_path: Path, name: str | None = None) -> dict[str, Any]:
        """Import a pipeline YAML with the folder holding it (its components, code, data)."""
        fields = {"name": name} if name else {}
        files: Files = {
            "pipeline": (yaml_path.name, yaml_path.read_bytes()),
            "bundle": ("bundle.zip", zip_folder(yaml_path.parent)),
        }
        data = self.request("POST", "/api/pipelines/import/", fields=fields, files=files)
        return dict(json.loads(data))

    def pipeline_by_name(self, name: str) -> dict[str, Any]:
        for found in self._all("/api/pipelines/", search=name, archived="true"):
            if found["name"] == name:
                return found
        raise ApiError(
            404, "not_found", f"no pipeline named {name!r}: see `conveyor pipeline list`"
        )

    def pipeline_export(self, pipeline_id: int, version: int) -> bytes:
        return self.request("GET", f"/api/pipelines/{pipeline_id}/versions/{version}/export/")

    def pipeline_save(self, document: dict[str, Any], message: str = "") -> dict[str, Any]:
        """Create the pipeline named in the document, or add the document as a new version."""
        try:
            pipeline = self.pipeline_by_name(document["name"])
        except ApiError:
            body = {"name": document["name"], "document": document, "message": message}
            created = self.post("/api/pipelines/", body)
            return {"pipeline": created["id"], "version": created["latest"]["number"]}
        body = {"document": document, "message": message}
        version = self.post(f"/api/pipelines/{pipeline['id']}/versions/", body)
        return {"pipeline": pipeline["id"], "version": version["number"]}

    # Runs ------------------------------------------------------------------------------

    def submit(
        self,
        job: Any,
        *,
        inputs: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Start a run of a pipeline id, or of an SDK `PipelineJob` (its components uploaded).

        The submit carries an Idempotency-Key (generated unless given) and is retried with
        the same key when the server cannot be reached or answers 502/503/504, so a
        retry never starts a second run.
        """
        if hasattr(job, "document"):
            for path in job.component_files():
                self.component_create(path)
            document = job.document
            for name, local in (getattr(job, "data", None) or {}).items():
                reference = self.dataset_upload(local)["reference"]
                declared = {**document["inputs"][name], "default": reference}
                document = {**document, "inputs": {**document["inputs"], name: declared}}
            saved = self.pipeline_save(document, message="submitted from the SDK")
            job, version = saved["pipeline"], saved["version"]
        body: dict[str, Any] = {"pipeline": int(job), "inputs": inputs or {}}
        body["settings"] = settings or {}
        if version is not None:
            body["version"] = version
        key = idempotency_key or uuid.uuid4().hex
        for delay in (*SUBMIT_RETRY_DELAYS, None):
            try:
                data = self.request(
                    "POST", "/api/runs/", json_body=body, headers={"Idempotency-Key": key}
                )
                return dict(json.loads(data))
            except ApiError as exc:
                if delay is None or exc.status not in RETRIED_STATUSES:
                    raise
            time.sleep(delay)
        raise AssertionError("unreachable")

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.get(f"/api/runs/{run_id}/"))

    def runs(self, **filters: Any) -> list[dict[str, Any]]:
        return self._all("/api/runs/", **filters)

    def cancel(self, run_id: int) -> dict[str, Any]:
        return dict(self.post(f"/api/runs/{run_id}/cancel/"))

    def log(self, run_id: int, node: str) -> bytes:
        return self.request("GET", f"/api/runs/{run_id}/steps/{urllib.parse.quote(node)}/log/")

    def wait(self, run_id: int, timeout: float | None = None, poll: float = 1.0) -> dict[str, Any]:
        """Poll until the run ends; return its final state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if run["status"] in TERMINAL:
                return run
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} is still {run['status']} after {timeout}s")
            time.sleep(poll)

    def stream(self, run_id: int, poll: float = 0.5) -> Iterator[tuple[str, str, str]]:
        """Yield ("status", node, status) and ("log", node, text) until the run ends."""
        statuses: dict[str, str] = {}
        offsets: dict[str, int] = {}
        while True:
            run = self.run(run_id)
            for step in run.get("steps", []):
                node = step.get("node") or step.get("node_id", "")
                if statuses.get(node) != step["status"]:
                    statuses[node] = step["status"]
                    yield ("status", node, step["status"])
                if step["status"] not in ("NotStarted", "Queued"):
                    yield from self._tail(run_id, node, offsets)
            if run["status"] in TERMINAL:
                yield ("status", "", run["status"])
                return
            time.sleep(poll)

    def _tail(
        self, run_id: int, node: str, offsets: dict[str, int]
    ) -> Iterator[tuple[str, str, str]]:
        path = f"/api/runs/{run_id}/steps/{urllib.parse.quote(node)}/log/tail/"
        while True:
            chunk = self.get(path, offset=offsets.get(node, 0))
            offsets[node] = chunk["next_offset"]
            if chunk["text"]:
                yield ("log", node, chunk["text"])
            if chunk["next_offset"] == chunk["offset"]:
                return


def _send(
    url: str, method: str, body: bytes | None, headers: dict[str, str], kind: str | None
) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ApiError(0, "bad_url", f"{url!r} is not an http(s) URL (check --url)")
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))  # noqa: S310
    if kind:
        request.add_header("Content-Type", kind)
    request.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (checked above)
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise _http_error(exc) from None
    except urllib.error.URLError as exc:
        message = f"cannot reach the Conveyor server at {url}: {exc.reason} (check --url)"
        raise ApiError(0, "unreachable", message) from None
    except OSError as exc:  # The connection dropped mid-answer (e.g. the server died).
        message = f"the Conveyor server at {url} closed the connection: {exc}"
        raise ApiError(0, "unreachable", message) from None


def _http_error(exc: urllib.error.HTTPError) -> ApiError:
    raw = exc.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("detail") or exc.reason)
    if exc.code == 401:
        message += " (run `conveyor login` again or set CONVEYOR_TOKEN)"
    return ApiError(exc.code, str(body.get("code") or "http_error"), message, body.get("details"))
