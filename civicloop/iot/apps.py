from django.apps import AppConfig


class IotConfig(AppConfig):
    name = "civicloop.iot"
    verbose_name = "物联感知 IoT and cameras"
