from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    verbose_name = "基础 Core"
