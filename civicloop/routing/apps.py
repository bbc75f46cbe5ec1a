from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RoutingConfig(AppConfig):
    name = "civicloop.routing"
    verbose_name = "派遣规则 Routing and dispatch"
    console_links = [(gettext_lazy("Routing"), "routing:rules", "civicloop.routing.views.can_manage")]
    case_panel = "civicloop.routing.views.case_panel"
    demo_seed = "civicloop.routing.demo.seed"
    nearest_workers = "civicloop.routing.dispatch.suggest_for"  # the inspector preselected in the console
    department_router = "civicloop.routing.queries.department_for"  # where a dispatch naming no department goes

    def ready(self) -> None:
        from civicloop.routing import signals  # noqa: F401  connects the receivers once models are loaded
