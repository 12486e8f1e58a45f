from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "designer.core"
    label = "core"
    verbose_name = "Conveyor core"

    def ready(self) -> None:
        from designer.core import schema  # noqa: F401  (registers the OpenAPI extension)
