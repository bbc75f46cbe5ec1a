from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "civicloop.hotline"
    verbose_name = "12345 热线 Hotline"
