from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from civicloop.core.extensions import Job


class PatrolsConfig(AppConfig):
    name = "civicloop.patrols"
    verbose_name = "巡查 Patrols"
    console_links = [
        (gettext_lazy("Patrol"), "patrols:phone", "civicloop.patrols.services.is_field_worker"),
        (gettext_lazy("Patrol coverage"), "patrols:coverage", "civicloop.patrols.views.can_see_coverage"),
    ]
    worker_jobs = [
        # The coverage page follows patrols as they walk.
        Job("patrol coverage", "civicloop.patrols.services.refresh_dirty",
            every=timedelta(seconds=10), budget=timedelta(seconds=30)),
        # Once per working day, after its last working period: a look every few minutes is one query.
        Job("missed patrols", "civicloop.patrols.services.flag_missed",
            every=timedelta(minutes=5), budget=timedelta(minutes=1)),
    ]
    demo_seed = "civicloop.patrols.demo.seed"
    active_patrol = "civicloop.patrols.services.active_patrol"  # a field report made on a patrol says so
    patrol_refs = "civicloop.patrols.services.report_refs"

    def ready(self) -> None:
        from civicloop.patrols import signals  # noqa: F401  connects the receivers once models are loaded
