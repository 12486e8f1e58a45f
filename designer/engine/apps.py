from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "designer.engine"
    label = "engine"
    verbose_name = "Execution engine"
    default_auto_field = "django.db.models.BigAutoField"
