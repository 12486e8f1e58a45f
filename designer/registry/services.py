"""Registry writes and reads: every registration goes through `component_register`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from designer.core.yamlsafe import safe_load
from designer.environments.resolve import environment_check
from designer.environments.spec import EnvironmentProblem
from designer.registry.models import Component, ComponentVersion
from designer.registry.policies import component_publish_check
from designer.registry.spec import parse_component_dict, parse_component_yaml
from designer.registry.store import StagedCode, extract_archive, spec_digest, staged_code
from designer.registry.types import ComponentSpec, ParsedSpec, Problem, SpecError
from designer.registry.versions import version_key


class VersionConflict(Exception):
    """name@version exists with different content: published versions are immutable."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(
            f"{ref} is already registered with different content; published versions are "
            "immutable: bump the version to publish a change"
        )


class UnknownComponent(LookupError):
    """A `name@version` reference that the registry does not hold."""


@dataclass
class Registration:
    version: ComponentVersion
    created: bool
    warnings: list[Problem] = field(default_factory=list)


def _environment_check(spec: ComponentSpec, base_dir: Path | None) -> None:
    """Refuse an environment that can never resolve; store a conda_file's content inline."""
    roots = (base_dir.resolve(),) if base_dir is not None else ()
    if (
        base_dir is not None
        and Path(settings.COMPONENTS_DIR).resolve() in base_dir.resolve().parents
    ):
        roots = (Path(settings.COMPONENTS_DIR).resolve(),)  # built-ins share conda files
    try:
        value = environment_check(
            spec.raw.get("environment"),
            where=f"component {spec.ref}",
            base_dir=base_dir,
            roots=roots,
        )
    except EnvironmentProblem as exc:
        raise SpecError([Problem("environment", str(exc))]) from None
    if value is not None:
        spec.raw["environment"] = value  # hashed into the digest and stored with the spec


def _code_folder(spec: ComponentSpec, base_dir: Path | None) -> Path | None:
    if spec.code is None:
        return None
    if base_dir is None:
        raise SpecError([Problem("code", "the spec names a code folder but none was provided")])
    folder = (base_dir / spec.code).resolve()
    if not folder.is_dir():
        raise SpecError([Problem("code", f"code folder {spec.code!r} not found beside the YAML")])
    return folder


def component_register(
    *,
    yaml_text: str,
    base_dir: Path | None = None,
    code_dir: Path | None = None,
    source: str = ComponentVersion.Source.UPLOAD,
    user: Any = None,
    group: Any = None,
    anonymous: bool = False,
) -> Registration:
    """Register a component version, or confirm an identical one.

    yaml_text: the spec. base_dir: folder the spec's `code` is relative to. code_dir: an
    explicit code folder (an unpacked upload), which wins over `code`. user: the publisher
    (None: the server itself). group: co-owner of a new name. anonymous: a component file
    of an imported pipeline: `version:` may be missing and is replaced by a hash of spec
    and code (as Azure ML does), and no rights on the name are needed. Raises SpecError,
    VersionConflict, CodeFolderError, PublishForbidden. A refused registration leaves
    nothing in the store.
    """
    parsed = _parse_anonymous(yaml_text) if anonymous else parse_component_yaml(yaml_text)
    spec = parsed.spec
    if not anonymous:
        publish_check(user=user, name=spec.name, version=spec.version)
    _environment_check(spec, base_dir)
    folder = code_dir if code_dir is not None else _code_folder(spec, base_dir)
    stage = (
        staged_code(folder, Path(settings.STORE_DIR), name=spec.name)
        if folder is not None
        else nullcontext(None)
    )
    with stage as staged:
        code_digest = staged.digest if staged else ""
        if anonymous:
            parsed = _with_version(parsed, anonymous_version(spec.raw, code_digest))
            spec = parsed.spec
        digest = spec_digest(spec.raw, code_digest)
        existing = _find_version(spec.name, spec.version)
        if existing is not None:
            if existing.digest != digest:  # the owner learns of a conflict, others of the owner
                component_publish_check(user, existing.component)
            # A conflict raises here, before anything is published.
            registration = _same_or_conflict(existing, digest, parsed.warnings)
            if staged is not None:
                staged.publish()  # restores the snapshot of an identical version if lost
            return registration
        if staged is not None:
            staged.publish()
        return _version_create(
            parsed,
            yaml_text=yaml_text,
            digest=digest,
            staged=staged,
            source=source,
            user=user,
            group=group,
            anonymous=anonymous,
        )


ANONYMOUS_PLACEHOLDER = "0"


def _parse_anonymous(yaml_text: str) -> ParsedSpec:
    """Parse a spec whose `version:` may be missing (it is replaced anyway)."""
    try:
        data = safe_load(yaml_text)
    except yaml.YAMLError:
        return parse_component_yaml(yaml_text)  # raises SpecError naming the line
    if isinstance(data, dict):
        data = {**data, "version": ANONYMOUS_PLACEHOLDER}
    parsed = parse_component_dict(data)
    return ParsedSpec(parsed.spec, [w for w in parsed.warnings if w.field != "version"])


def anonymous_version(raw: dict[str, Any], code_digest: str) -> str:
    """The version of an anonymous component: a hash of its spec (less `version`) and code."""
    content = {key: value for key, value in raw.items() if key != "version"}
    return spec_digest(content, code_digest)[:16]


def _with_version(parsed: ParsedSpec, version: str) -> ParsedSpec:
    raw = {**parsed.spec.raw, "version": version}
    return ParsedSpec(replace(parsed.spec, version=version, raw=raw), parsed.warnings)


def publish_check(*, user: Any, name: str, version: str) -> None:
    """Refuse early (before any unpacking) a new version of a name `user` does not own."""
    if _find_version(name, version) is None:
        component_publish_check(user, Component.objects.filter(name=name).first())


def _component_claim(*, name: str, user: Any, group: Any, source: str) -> Component:
    """The row for `name`, created for its first publisher; row-locked, ownership re-checked."""
    publisher = user if getattr(user, "is_authenticated", False) else None
    owner = {"owner": publisher, "owner_group": group if publisher is not None else None}
    component, created = Component.objects.select_for_update().get_or_create(
        name=name, defaults=owner
    )
    if created:
        return component
    if not component.claimed:  # only anonymous versions so far: the first named one claims it
        component.owner, component.owner_group, component.claimed = owner["owner"], None, True
        if publisher is not None:
            component.owner_group = group
        component.save(update_fields=["owner", "owner_group", "claimed"])
        return component
    component_publish_check(user, component)  # a concurrent first publisher may have won
    if source == ComponentVersion.Source.BUILTIN and user is None and not component.is_system:
        component.owner, component.owner_group = None, None  # a built-in name is the system's
        component.save(update_fields=["owner", "owner_group"])
    return component


def _version_create(
    parsed: ParsedSpec,
    *,
    yaml_text: str,
    digest: str,
    staged: StagedCode | None,
    source: str,
    user: Any,
    group: Any,
    anonymous: bool = False,
) -> Registration:
    spec = parsed.spec
    try:
        with transaction.atomic():
            if anonymous:
                component, _ = Component.objects.get_or_create(
                    name=spec.name, defaults={"claimed": False}
                )
            else:
                component = _component_claim(name=spec.name, user=user, group=group, source=source)
            version = ComponentVersion.objects.create(
                component=component,
                version=spec.version,
                display_name=spec.display_name or spec.name,
                description=spec.description,
                tags=spec.tags,
                spec=spec.raw,
                yaml=yaml_text,
                digest=digest,
                code_digest=staged.digest if staged else "",
                code_path=staged.path if staged else "",
                is_deterministic=spec.is_deterministic,
                warnings=[w.as_dict() for w in parsed.warnings],
                source=source,
                anonymous=anonymous,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            component.save(update_fields=["updated_at"])
    except IntegrityError:
        # A concurrent registration of the same name@version got there first.
        raced = _find_version(spec.name, spec.version)
        if raced is None:
            raise
        return _same_or_conflict(raced, digest, parsed.warnings)
    return Registration(version, True, parsed.warnings)


def _same_or_conflict(
    existing: ComponentVersion, digest: str, warnings: list[Problem]
) -> Registration:
    if existing.digest != digest:
        raise VersionConflict(existing.ref)
    return Registration(existing, False, warnings)


def component_register_file(path: Path, *, source: str, user: Any = None) -> Registration:
    """Register the component whose YAML is at `path` (code relative to it)."""
    try:
        yaml_text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError([Problem("yaml", f"not UTF-8 text ({exc.reason})")], str(path)) from None
    return component_register(yaml_text=yaml_text, base_dir=path.parent, source=source, user=user)


def component_register_upload(
    *, yaml_text: str, archive: IO[bytes] | None, user: Any = None, group: Any = None
) -> Registration:
    """Register an uploaded spec plus a zip or tar.gz of its code folder's contents."""
    if archive is None:
        return component_register(yaml_text=yaml_text, source="upload", user=user, group=group)
    # A bad spec or someone else's name is refused before anything is unpacked.
    spec = parse_component_yaml(yaml_text).spec
    publish_check(user=user, name=spec.name, version=spec.version)
    tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=_tmp_root()))
    try:
        code = tmp / "code"
        extract_archive(
            archive,
            code,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_files=settings.UPLOAD_MAX_FILES,
        )
        return component_register(
            yaml_text=yaml_text, code_dir=code, source="upload", user=user, group=group
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _tmp_root() -> Path:
    root = Path(settings.STORE_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def components_sync(folder: Path) -> list[tuple[Path, Registration | Exception]]:
    """Register every `*.yml`/`*.yaml` component spec under `folder` (idempotent)."""
    outcomes: list[tuple[Path, Registration | Exception]] = []
    for path in sorted([*folder.glob("*/*.yml"), *folder.glob("*/*.yaml")]):
        try:
            outcomes.append((path, component_register_file(path, source="builtin")))
        except (SpecError, VersionConflict, OSError, ValueError) as exc:
            outcomes.append((path, exc))
    return outcomes


# Reads -------------------------------------------------------------------------------


def _find_version(name: str, version: str) -> ComponentVersion | None:
    return (
        ComponentVersion.objects.select_related("component")
        .filter(component__name=name, version=version)
        .first()
    )


def sorted_versions(versions: Iterable[str]) -> list[str]:
    """Versions newest first, in natural order (10 > 9, 1.10 > 1.9)."""
    return sorted(versions, key=version_key, reverse=True)


def version_get(name: str, version: str, *, builtin: bool = False) -> ComponentVersion:
    """Resolve `version` (or `latest`: the newest named one) of `name`; raise UnknownComponent.

    builtin: only versions of the built-in catalog (the `azureml` registry).
    """
    if builtin:
        found = _builtin_version(name, version)
        if found is None:
            raise UnknownComponent(f"the built-in catalog has no {name}@{version}")
        return found
    if version == "latest":
        versions = list(
            ComponentVersion.objects.filter(component__name=name, anonymous=False).values_list(
                "version", flat=True
            )
        )
        if not versions:
            if Component.objects.filter(name=name).exists():
                raise UnknownComponent(
                    f"component {name!r} has only anonymous versions (from pipeline imports); "
                    "name one by its version"
                )
            raise UnknownComponent(f"component {name!r} is not registered")
        version = sorted_versions(versions)[0]
    found = _find_version(name, version)
    if found is None:
        if not Component.objects.filter(name=name).exists():
            raise UnknownComponent(f"component {name!r} is not registered")
        raise UnknownComponent(f"component {name!r} has no version {version!r}")
    return found


def _builtin_version(name: str, version: str) -> ComponentVersion | None:
    found = ComponentVersion.objects.select_related("component").filter(
        component__name=name, source=ComponentVersion.Source.BUILTIN
    )
    if version != "latest":
        return found.filter(version=version).first()
    by_version = {v.version: v for v in found}
    return by_version[sorted_versions(by_version)[0]] if by_version else None


def ref_split(ref: str) -> tuple[str, str]:
    """'name@version' -> (name, version); a bare name means latest."""
    name, _, version = ref.partition("@")
    return name, version or "latest"


def version_by_ref(ref: str) -> ComponentVersion:
    return version_get(*ref_split(ref))


@lru_cache(maxsize=2048)
def _spec_of(version_id: int, digest: str) -> ComponentSpec:
    version = ComponentVersion.objects.get(pk=version_id)
    return parse_component_dict(version.spec).spec


def spec_of(version: ComponentVersion) -> ComponentSpec:
    """The parsed spec of a stored version (cached: versions never change)."""
    return _spec_of(version.pk, version.digest)


def spec_resolver(*, builtin: bool = False) -> Any:
    """A `ref -> ComponentSpec | None` callable for the pipeline validator, memoised per call.

    builtin: resolve in the built-in catalog only.
    """
    cache: dict[str, ComponentSpec | None] = {}

    def resolve(ref: str) -> ComponentSpec | None:
        if ref not in cache:
            try:
                cache[ref] = spec_of(version_get(*ref_split(ref), builtin=builtin))
            except UnknownComponent:
                cache[ref] = None
        return cache[ref]

    return resolve


def components_search(
    *, search: str = "", tag: str = "", visible: QuerySet[Component] | None = None
) -> QuerySet[Component]:
    """Components matching a free-text search (name, display name, description, tags).

    visible: the components the caller may see (`designer.registry.selectors`); all if None.
    """
    qs = Component.objects.select_related("owner", "owner_group") if visible is None else visible
    for term in search.lower().split():
        qs = qs.filter(Q(name__icontains=term) | Q(versions__search_text__contains=term))
    if tag:
        # Tags are free-form JSON; matching them in Python works the same on every database.
        ids = {
            v.component_id
            for v in ComponentVersion.objects.only("component", "tags")
            if v.has_tag(tag)
        }
        qs = qs.filter(id__in=ids)
    return qs.distinct().prefetch_related("versions")
