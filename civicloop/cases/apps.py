from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicloop.cases"
    verbose_name = "案件 Cases"
    worker_jobs = [("day serials", "civicloop.cases.serials.keep_day_serials")]
