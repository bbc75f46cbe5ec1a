from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class CitizensConfig(AppConfig):
    name = "civicloop.citizens"
    verbose_name = "市民 Citizens"
    # Retention counts in days: an hourly look is exact enough. Each call does a bounded batch; a full
    # one runs again at once.
    worker_jobs = [
        # Reporters anonymised after CIVICLOOP_REPORTER_RETENTION_DAYS.
        Job("anonymised reporters", "civicloop.citizens.retention.anonymise_due",
            every=timedelta(hours=1), budget=timedelta(minutes=1)),
        # Sign-in codes hold a phone number and count for nothing after a day.
        Job("forgotten sign-in codes", "civicloop.citizens.services.forget_old_codes",
            every=timedelta(hours=1), budget=timedelta(seconds=30)),
    ]
