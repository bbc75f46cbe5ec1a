from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class CasesConfig(AppConfig):
    name = "civicloop.cases"
    verbose_name = "案件 Cases"
    division_cases = "civicloop.cases.divisions.cases_under"  # geo counts them before a division goes
    worker_jobs = [
        Job("photos", "civicloop.cases.attachments.process_pending",  # a citizen waits to see the photo
            every=timedelta(seconds=1), budget=timedelta(seconds=10)),
        # Tomorrow's sequence is made a day ahead, and today's at the worker's start: a look every ten
        # minutes is plenty.
        Job("day serials", "civicloop.cases.serials.keep_day_serials",
            every=timedelta(minutes=10), budget=timedelta(seconds=5)),
    ]
