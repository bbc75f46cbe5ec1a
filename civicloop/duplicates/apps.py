from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class DuplicatesConfig(AppConfig):
    name = "civicloop.duplicates"
    verbose_name = "重复案件 Duplicates"
    # A near-certain duplicate is merged within seconds, before an operator picks the report up.
    worker_jobs = [Job("duplicates", "civicloop.duplicates.services.screen_new_reports",
                       every=timedelta(seconds=5), budget=timedelta(seconds=30))]
    demo_seed = "civicloop.duplicates.demo.seed"
    duplicate_finder = "civicloop.duplicates.queries.candidates"  # the case panel's possible duplicates

    def ready(self) -> None:
        # Imported here, not at the top: models and the receivers' modules load once the app registry is ready.
        from civicloop.cases.models import Case
        from civicloop.cases.signals import case_changed
        from civicloop.duplicates.services import on_case_changed

        case_changed.connect(on_case_changed, sender=Case, dispatch_uid="duplicates.open_case_index")
