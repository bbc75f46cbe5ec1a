from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicloop.evaluation"
    verbose_name = "综合评价 evaluation"
    # The counters feed the wall screen and the console's figures: a few seconds behind the event log.
    worker_jobs = [Job("metrics", "civicloop.evaluation.rollup.run_due",
                       every=timedelta(seconds=5), budget=timedelta(seconds=30))]
