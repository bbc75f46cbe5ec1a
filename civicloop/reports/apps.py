from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicloop.reports"
    verbose_name = "统计报表 reports"
    # The scheduled reports are due once a day, after midnight; within a minute of it is soon enough.
    worker_jobs = [Job("reports", "civicloop.reports.services.run_scheduled",
                       every=timedelta(minutes=1), budget=timedelta(minutes=5))]
