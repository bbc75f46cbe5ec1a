from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "civicloop.citizens"
    verbose_name = "市民 Citizens"
