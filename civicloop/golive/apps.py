from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class GoLiveConfig(AppConfig):
    """城市配置检查: what a city still lacks before it can run (checks.py), as a page and a command."""

    name = "civicloop.golive"
    verbose_name = "城市配置检查 Go-live check"
    console_links = [(gettext_lazy("Go-live check"), "golive:page", "civicloop.golive.views.can_view")]
    go_live_checks = [
        "civicloop.golive.checks.jurisdiction",
        "civicloop.golive.checks.grids",
        "civicloop.golive.checks.routes",
        "civicloop.golive.checks.staff",
        "civicloop.golive.checks.loop_staff",
        "civicloop.golive.checks.command_centres",
        "civicloop.golive.checks.calendar",
        "civicloop.golive.checks.maps",
    ]
