from django.apps import AppConfig


class DatastoresConfig(AppConfig):
    name = "designer.datastores"
    label = "datastores"
    verbose_name = "Datastores and datasets"
