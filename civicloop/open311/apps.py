from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Open311Config(AppConfig):
    name = "civicloop.open311"
    verbose_name = "Open311 GeoReport v2"
    console_links = [(gettext_lazy("Open311 keys"), "open311:keys", "civicloop.open311.access.can_manage_keys")]
    # A key's minute counters are core.Throttle rows, cleared with the other old tries (core's
    # "forgotten failed tries").
    case_panel = "civicloop.open311.views_console.case_panel"
    demo_seed = "civicloop.open311.demo.seed"
    error_format = ("/open311/", "civicloop.open311.views.refusal_response")
