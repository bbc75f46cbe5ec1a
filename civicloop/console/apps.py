from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "civicloop.console"
    label = "console"
    verbose_name = "工作台 staff consoles"
