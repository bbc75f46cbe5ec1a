from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicloop.reports"
    verbose_name = "统计报表 reports"
