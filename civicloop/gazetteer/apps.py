from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class GazetteerConfig(AppConfig):
    name = "civicloop.gazetteer"
    verbose_name = _("Gazetteer")
    default_auto_field = "django.db.models.BigAutoField"
    demo_seed = "civicloop.gazetteer.demo.seed"
    road_at = "civicloop.gazetteer.roads.road_at"  # cases learn their road (core/extensions.py)
    road_name = "civicloop.gazetteer.roads.road_name"
    address_placer = "civicloop.gazetteer.placing.place"  # history rows with an address only (cases/importing.py)
    # The upload page: the same people as the geodata import (city-wide administrators).
    console_links = [(_("Gazetteer"), "gazetteer:import", "civicloop.geo.views.can_import")]
    reverse_geocoder = "civicloop.gazetteer.geocoding.reverse"  # a field report sent without an address

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using, **kwargs) -> None:
    # SQLite loses a table's triggers when a migration remakes the table: put them back.
    from django.db import connections

    from civicloop.gazetteer import search_index  # an AppConfig module imports no app code at its top

    search_index.ensure(connections[using])
