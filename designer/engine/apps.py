from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "designer.engine"
    label = "engine"
    verbose_name = "Execution engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place the step actor is declared (on the broker django_dramatiq set up,
        # listed before this app), so sending a step never imports the worker side.
        from designer.engine import tasks  # noqa: F401
