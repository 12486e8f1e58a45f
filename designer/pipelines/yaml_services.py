"""Azure ML YAML import and export as services: registry, datasets and pipelines written here."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from django.conf import settings
from django.db import transaction

from designer.datastores.datasets import dataset_store_path
from designer.datastores.models import UPLOADS
from designer.datastores.references import ReferenceRefused, reference_parse
from designer.datastores.services import DataRefused, data_problem, data_resolve, dataset_record
from designer.environments.resolve import environment_resolve
from designer.environments.spec import EnvironmentProblem
from designer.pipelines.azureml_common import ImportIssue, YamlImportError, load_yaml_text
from designer.pipelines.azureml_export import component_files, pipeline_yaml, registered_ref
from designer.pipelines.azureml_import import Importer
from designer.pipelines.azureml_jobs import PendingComponent
from designer.pipelines.documents import canonical_json
from designer.pipelines.models import Pipeline, PipelineVersion
from designer.pipelines.policies import pipeline_may_change
from designer.pipelines.services import pipeline_create, pipeline_version_save
from designer.pipelines.validation import validate_document
from designer.registry.models import Component
from designer.registry.policies import PublishForbidden
from designer.registry.services import (
    VersionConflict,
    component_register,
    spec_of,
    spec_resolver,
    version_by_ref,
)
from designer.registry.store import CodeFolderError, extract_archive
from designer.registry.types import ComponentSpec, SpecError

PIPELINE_FILE = "pipeline.yml"


class ImportForbidden(PermissionError):
    """The YAML names a pipeline that belongs to someone else."""


@dataclass
class ImportOutcome:
    pipeline: Pipeline
    version: PipelineVersion
    created: bool
    new_version: bool
    components: list[str] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)


def pipeline_yaml_import(
    *, root: Path, path: Path, user: Any, name: str | None = None
) -> ImportOutcome:
    """Import the pipeline YAML at `path` (inside the folder `root`) for `user`.

    Registers the component files it references, stores its local data as datasets and
    saves the document as a new pipeline, or as a new version of the user's pipeline of
    that name. Raises YamlImportError listing every problem; nothing is saved then.
    """
    importer = Importer(
        root=root,
        resolve=spec_resolver(),
        resolve_builtin=spec_resolver(builtin=True),
        dataset=lambda local: dataset_record(dataset_store_path(local), owner=user).reference,
        compute_map=settings.CONVEYOR_COMPUTE_MAP,
        pools=tuple(settings.COMPUTE_POOLS),
    )
    result = importer.run(path, name=name)
    _check_document(result.document, result.components, user)
    with transaction.atomic():
        warnings = list(result.warnings)
        refs: dict[str, str] = {}
        for provisional, pending in result.components.items():
            ref, found = _register(pending, user)
            refs[provisional] = ref
            warnings += found
        document = _with_refs(result.document, refs)
        pipeline, version, created, new_version = _save(document, user)
    return ImportOutcome(
        pipeline, version, created, new_version, sorted(set(refs.values())), warnings
    )


def _with_refs(document: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    """The document with each placeholder ref replaced by the registered anonymous version."""
    nodes = [
        {**node, "component": refs.get(node["component"], node["component"])}
        for node in document["nodes"]
    ]
    return {**document, "nodes": nodes}


def _check_document(
    document: dict[str, Any], pending: dict[str, PendingComponent], user: Any
) -> None:
    registry = spec_resolver()
    names = {p.spec.name for p in pending.values()}

    def resolve(ref: str) -> ComponentSpec | None:
        return pending[ref].spec if ref in pending else registry(ref)

    issues = validate_document(
        document,
        resolve=resolve,
        compute_pools=settings.COMPUTE_POOLS,
        known_names=lambda n: n in names or Component.objects.filter(name=n).exists(),
        data_problem=data_problem(user),
    )
    if issues:
        raise YamlImportError([ImportIssue(i.node, i.port, i.code, i.message) for i in issues])


def _register(pending: PendingComponent, user: Any) -> tuple[str, list[ImportIssue]]:
    try:
        registration = component_register(
            yaml_text=pending.yaml_text,
            base_dir=pending.base_dir,
            code_dir=pending.code_dir,
            source="upload",
            user=user,
            anonymous=True,
        )
    except PublishForbidden as exc:
        raise ImportForbidden(str(exc)) from None
    except VersionConflict as exc:
        raise YamlImportError([ImportIssue(None, None, "version_conflict", str(exc))]) from None
    except (SpecError, CodeFolderError) as exc:
        message = f"{pending.spec.ref}: {exc}"
        raise YamlImportError([ImportIssue(None, None, "invalid_component", message)]) from None
    ref = registration.version.ref
    warnings = [
        ImportIssue(None, w.field, "component_warning", f"{ref}: {w.field}: {w.message}")
        for w in registration.warnings
    ]
    return ref, warnings + _environment_warnings(ref, registration.version.spec)


def _environment_warnings(ref: str, spec: dict[str, Any]) -> list[ImportIssue]:
    """How a component's environment is mapped here: a curated name stands for a Python
    version and packages, an image is not used, conda channels are ignored."""
    value = spec.get("environment")
    if value is None:
        return []
    try:
        # No lookup: a registered `azureml:env@v` raises here and is no mapping to report.
        env = environment_resolve(value, where=f"{ref}: environment", lookup=None)
    except EnvironmentProblem:
        return []
    notes = list(env.warnings)
    if isinstance(value, str):
        notes.insert(
            0,
            f"{ref}: curated environment {value!r} is mapped to Python {env.python} with "
            f"{len(env.requirements)} packages (designer/environments/curated.yml)",
        )
    return [ImportIssue(None, "environment", "environment_mapped", note) for note in notes]


def _save(document: dict[str, Any], user: Any) -> tuple[Pipeline, PipelineVersion, bool, bool]:
    existing = Pipeline.objects.filter(name=document["name"]).first()
    if existing is None:
        pipeline = pipeline_create(
            name=document["name"], owner=user, document=document, message="imported from YAML"
        )
        return pipeline, pipeline.versions.get(), True, True
    if not pipeline_may_change(user, existing):
        raise ImportForbidden(
            f"a pipeline named {existing.name!r} belongs to {existing.owner.username}; "
            "import under another name (--name)"
        )
    latest = existing.versions.filter(number=existing.latest_version).first()
    if latest is not None and latest.digest == _digest(document):
        return existing, latest, False, False  # re-importing the same YAML adds no version
    version = pipeline_version_save(
        pipeline=existing, document=document, author=user, message="imported from YAML"
    )
    existing.refresh_from_db()
    return existing, version, False, True


def _digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def pipeline_yaml_import_upload(
    *,
    yaml_text: str,
    bundle: IO[bytes] | None,
    user: Any,
    name: str | None = None,
    filename: str = PIPELINE_FILE,
) -> ImportOutcome:
    """Import uploaded YAML text, with the zip/tar.gz of the folder holding it if any."""
    tmp = Path(tempfile.mkdtemp(prefix="import-", dir=_tmp_root()))
    try:
        root = tmp / "bundle"
        if bundle is not None:
            extract_archive(
                bundle,
                root,
                max_bytes=settings.UPLOAD_MAX_BYTES,
                max_files=settings.UPLOAD_MAX_FILES,
            )
        else:
            root.mkdir()
        path = root / (Path(filename.replace("\\", "/")).name or PIPELINE_FILE)
        path.write_text(yaml_text, encoding="utf-8")
        return pipeline_yaml_import(root=root, path=path, user=user, name=name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _tmp_root() -> Path:
    root = Path(settings.STORE_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


# Export -------------------------------------------------------------------------------


def pipeline_version_export(version: PipelineVersion, *, user: Any) -> bytes:
    """A zip of pipeline.yml, its component files with their code, and its datasets.

    user: who exports; only uploaded datasets they may see are carried (by content, from
    the dataset store). Any other value is written as the text it is, never read.
    """
    document = version.document
    stored = {node["component"]: version_by_ref(node["component"]) for node in document["nodes"]}
    specs = {ref: spec_of(found) for ref, found in stored.items()}
    # Anonymous components travel as files; named ones are referenced, as Azure ML does.
    files = component_files({ref: spec for ref, spec in specs.items() if stored[ref].anonymous})
    registered = {
        ref: registered_ref(found.component.name, found.version, builtin=found.source == "builtin")
        for ref, found in stored.items()
        if not found.anonymous
    }
    data_files = _data_files(document, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        yaml_text = pipeline_yaml(document, specs, files, data_files, registered)
        archive.writestr(PIPELINE_FILE, yaml_text)
        for ref, found in stored.items():
            if ref not in files:
                continue
            archive.writestr(files[ref].spec_path, _spec_text(found))
            code_path = files[ref].code_path
            if found.code_path and code_path:
                _add_tree(archive, Path(settings.STORE_DIR) / found.code_path, code_path)
        for value, arcname in data_files.items():
            _add_tree(archive, data_resolve(value, user=user).path, arcname.removeprefix("./"))
    return buffer.getvalue()


def _spec_text(found: Any) -> str:
    """The YAML as registered, with a conda_file read at registration written inline (the
    file itself is not kept): the re-import derives the same anonymous version."""
    stored = found.spec.get("environment")
    try:
        data = load_yaml_text(found.yaml, "component")
    except YamlImportError:
        return str(found.yaml)
    if not isinstance(data, dict) or data.get("environment") == stored:
        return str(found.yaml)
    data["environment"] = stored
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _data_files(document: dict[str, Any], user: Any) -> dict[str, str]:
    """Uploaded dataset reference -> `./data/<name>` (`./data/<sha256[:12]>/<name>` on a
    clash), for the datasets `user` may see; datastore references stay references."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for decl in (document.get("inputs") or {}).values():
        value = decl.get("default")
        if value in result or not _exportable(value, user):
            continue
        sha256, name = value.rsplit("/", 2)[-2:]
        arcname = f"./data/{name}"
        if arcname in taken:
            arcname = f"./data/{sha256[:12]}/{name}"
        taken.add(arcname)
        result[value] = arcname
    return result


def _exportable(value: Any, user: Any) -> bool:
    try:
        ref = reference_parse(value)
        return ref.datastore == UPLOADS and data_resolve(value, user=user) is not None
    except (ReferenceRefused, DataRefused):
        return False


def _add_tree(archive: zipfile.ZipFile, source: Path, arcname: str) -> None:
    if source.is_file():
        archive.write(source, arcname)
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            archive.write(path, f"{arcname}/{path.relative_to(source).as_posix()}")
