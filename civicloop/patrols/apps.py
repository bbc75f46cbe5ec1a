from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "civicloop.patrols"
    verbose_name = "巡查 Patrols"
