from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "designer.results"
    label = "results"
    verbose_name = "Run results"
    default_auto_field = "django.db.models.BigAutoField"
