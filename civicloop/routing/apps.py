from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "civicloop.routing"
    verbose_name = "派遣规则 Routing and dispatch"
