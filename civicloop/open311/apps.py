from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicloop.open311"
    verbose_name = "Open311 GeoReport v2"
