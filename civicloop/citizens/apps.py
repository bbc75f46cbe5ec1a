from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "civicloop.citizens"
    verbose_name = "市民 Citizens"
    # Reporters anonymised after CIVICLOOP_REPORTER_RETENTION_DAYS; a bounded batch per call (the worker loops).
    worker_jobs = [("anonymised reporters", "civicloop.citizens.retention.anonymise_due")]
