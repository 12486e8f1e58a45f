"""Pipeline templates: the sample documents in `samples/` and "new from template".

Each `samples/<slug>.json` is a complete pipeline document; its `name` and `description`
are the template's. `templates_sync` installs them (idempotent, run by `serve` through
`manage.py sync_templates`); `template_instantiate` turns one into a new pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.pipelines.models import Pipeline, PipelineTemplate
from designer.pipelines.services import PipelineNameTaken, pipeline_create

SAMPLES_DIR = Path(__file__).parent / "samples"
NAME_ATTEMPTS = 1000


class SampleError(ValueError):
    """A sample file is not a usable template document."""


@dataclass(frozen=True)
class Sample:
    slug: str
    name: str
    description: str
    document: dict[str, Any]


def sample_load(path: Path) -> Sample:
    """One sample file: its slug is the file name without `.json`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SampleError(f"{path.name}: {exc}") from None
    if not isinstance(document, dict):
        raise SampleError(f"{path.name}: a pipeline document must be a JSON object")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SampleError(f"{path.name}: the document has no name")
    description = document.get("description")
    return Sample(
        slug=path.stem,
        name=name.strip(),
        description=description if isinstance(description, str) else "",
        document=document,
    )


def samples_load(folder: Path = SAMPLES_DIR) -> Iterator[Sample]:
    for path in sorted(folder.glob("*.json")):
        yield sample_load(path)


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int


def templates_sync(folder: Path = SAMPLES_DIR) -> SyncResult:
    """Install or update one template per sample file; a second call changes nothing.

    Templates whose file is gone are kept (pipelines made from them do not depend on them).
    """
    created = updated = unchanged = 0
    for sample in samples_load(folder):
        fields = {
            "name": sample.name,
            "description": sample.description,
            "document": sample.document,
        }
        template = PipelineTemplate.objects.filter(slug=sample.slug).first()
        if template is None:
            PipelineTemplate.objects.create(slug=sample.slug, **fields)
            created += 1
        elif any(getattr(template, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(template, key, value)
            template.save(update_fields=list(fields))
            updated += 1
        else:
            unchanged += 1
    return SyncResult(created=created, updated=updated, unchanged=unchanged)


def _candidate_names(base: str) -> Iterator[str]:
    yield base
    for number in range(2, NAME_ATTEMPTS + 1):
        yield f"{base} ({number})"


def unique_pipeline_name(base: str) -> str:
    """`base`, else `base (2)`, `base (3)`, ...: the first name no pipeline uses."""
    taken = set(Pipeline.objects.filter(name__startswith=base).values_list("name", flat=True))
    for candidate in _candidate_names(base):
        if candidate not in taken:
            return candidate
    raise PipelineNameTaken(base)


def template_instantiate(
    *, template: PipelineTemplate, owner: Any, name: str | None = None
) -> Pipeline:
    """A new pipeline whose first version is the template's document.

    With a `name`, that exact name (PipelineNameTaken when used); without, the template's
    name made unique. A concurrent creation of the chosen name is retried with the next one.
    """
    message = f"created from template {template.slug}"
    if name:
        return pipeline_create(
            name=name,
            owner=owner,
            description=template.description,
            document=template.document,
            message=message,
        )
    for _ in range(10):
        try:
            return pipeline_create(
                name=unique_pipeline_name(template.name),
                owner=owner,
                description=template.description,
                document=template.document,
                message=message,
            )
        except PipelineNameTaken:
            continue
    raise PipelineNameTaken(template.name)
