from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PatrolsConfig(AppConfig):
    name = "civicloop.patrols"
    verbose_name = "巡查 Patrols"
    console_links = [
        (gettext_lazy("Patrol"), "patrols:phone", "civicloop.patrols.services.is_field_worker"),
        (gettext_lazy("Patrol coverage"), "patrols:coverage", "civicloop.patrols.views.can_see_coverage"),
    ]
    worker_jobs = [("patrol coverage", "civicloop.patrols.services.refresh_dirty"),
                   ("missed patrols", "civicloop.patrols.services.flag_missed")]
    demo_seed = "civicloop.patrols.demo.seed"
    active_patrol = "civicloop.patrols.services.active_patrol"  # a field report made on a patrol says so
    patrol_refs = "civicloop.patrols.services.report_refs"

    def ready(self) -> None:
        from civicloop.patrols import signals  # noqa: F401
