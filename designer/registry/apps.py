from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "designer.registry"
    label = "registry"
    verbose_name = "Component registry"
