from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "civicloop.geo"
    verbose_name = "地理 Geography"

    def ready(self) -> None:
        from civicloop.geo import signals  # noqa: F401  keeps the spatial index in step
