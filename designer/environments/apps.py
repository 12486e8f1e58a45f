from django.apps import AppConfig


class EnvironmentsConfig(AppConfig):
    name = "designer.environments"
    label = "environments"
    verbose_name = "Environments"
    default_auto_field = "django.db.models.BigAutoField"
