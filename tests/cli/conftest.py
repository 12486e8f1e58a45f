"""CLI and SDK tests share the YAML test pipelines and their fixtures."""

from tests.yaml_io.conftest import home  # noqa: F401 (fixture)
