from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ConsoleConfig(AppConfig):
    name = "civicloop.console"
    label = "console"
    verbose_name = "工作台 staff consoles"
    console_links = [(gettext_lazy("Configuration changes"), "console:change_log", "civicloop.console.views.changes.can_view")]
