from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class GeoConfig(AppConfig):
    name = "civicloop.geo"
    verbose_name = "地理 Geography"
    console_links = [(gettext_lazy("Boundaries and grids"), "geo:import", "civicloop.geo.views.can_import")]
    image_sources = "civicloop.geo.tiles.tile_hosts"

    def ready(self) -> None:
        from civicloop.geo import signals  # noqa: F401  keeps the spatial index in step
