from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "civicloop.shops"
    verbose_name = "安心码 Shops"
