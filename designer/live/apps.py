from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "designer.live"
    label = "live"
    verbose_name = "Live runs"

    def ready(self) -> None:
        # Every process that commits run events (web, embedded workers, rundramatiq)
        # loads the apps, so each one relays its own events to the channel layer.
        from designer.live import publish

        publish.install()
