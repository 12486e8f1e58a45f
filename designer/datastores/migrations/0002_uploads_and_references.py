"""The default `uploads` datastore, and saved documents moved off raw dataset paths.

Before this, an uploaded dataset was named by its server path,
`CONVEYOR_HOME/datasets/<sha256>/<name>`. Such defaults become
`azureml://datastores/uploads/paths/<sha256>/<name>`, and the dataset is recorded as an
upload of the version's author so that they keep access to it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations

_DATASET = re.compile(r"^(?P<root>.*)/(?P<sha>[0-9a-f]{64})/(?P<name>[^/]+)$")


def _reference(value: Any, root: Path) -> tuple[str, str, str] | None:
    if not isinstance(value, str):
        return None
    match = _DATASET.match(value)
    if match is None:
        return None
    try:
        same = Path(match.group("root")).resolve() == root
    except (OSError, ValueError):
        return None
    return (match.group("sha"), match.group("name"), value) if same else None


def _digest(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def forward(apps: Any, schema_editor: Any) -> None:
    Datastore = apps.get_model("datastores", "Datastore")
    Dataset = apps.get_model("datastores", "Dataset")
    PipelineVersion = apps.get_model("pipelines", "PipelineVersion")
    Datastore.objects.get_or_create(
        name="uploads",
        defaults={"kind": "uploads", "description": "Files uploaded in the designer and CLI."},
    )
    root = (Path(settings.CONVEYOR_HOME) / "datasets").resolve()
    for version in PipelineVersion.objects.all().iterator():
        document = version.document
        inputs = document.get("inputs") if isinstance(document, dict) else None
        if not isinstance(inputs, dict):
            continue
        changed = False
        for decl in inputs.values():
            found = _reference(decl.get("default") if isinstance(decl, dict) else None, root)
            if found is None:
                continue
            sha, name, path = found
            decl["default"] = f"azureml://datastores/uploads/paths/{sha}/{name}"
            changed = True
            file = Path(path)
            size = file.stat().st_size if file.is_file() else 0
            kind = "uri_folder" if file.is_dir() else "uri_file"
            Dataset.objects.get_or_create(
                owner_id=version.author_id,
                sha256=sha,
                name=name,
                defaults={"size": size, "type": kind},
            )
        if changed:
            version.document = document
            version.digest = _digest(document)
            version.save(update_fields=["document", "digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("datastores", "0001_initial"),
        ("pipelines", "0002_pipelinetemplate"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
