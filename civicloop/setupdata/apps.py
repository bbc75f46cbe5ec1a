from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SetupDataConfig(AppConfig):
    """A new city's own departments, staff, local categories and routing rules, from Excel."""

    name = "civicloop.setupdata"
    verbose_name = "初始数据导入 Set-up data"
    console_links = [(gettext_lazy("Set-up data"), "setupdata:index", "civicloop.setupdata.access.can_use")]
