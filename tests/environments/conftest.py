"""The engine's fixtures (embedded workers, pipeline versions), shared with these tests."""

from tests.engine.conftest import components, embedded, make_version

__all__ = ["components", "embedded", "make_version"]
