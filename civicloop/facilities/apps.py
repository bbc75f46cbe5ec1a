from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "civicloop.facilities"
    verbose_name = "部件 Facilities"
