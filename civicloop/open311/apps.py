from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from civicloop.core.extensions import Job


class Open311Config(AppConfig):
    name = "civicloop.open311"
    verbose_name = "Open311 GeoReport v2"
    console_links = [(gettext_lazy("Open311 keys"), "open311:keys", "civicloop.open311.access.can_manage_keys")]
    # A key's minute counters older than an hour count for nothing; a row per key and minute accrues.
    worker_jobs = [Job("open311 rate windows", "civicloop.open311.services.forget_old_windows",
                       every=timedelta(minutes=10), budget=timedelta(seconds=10))]
    case_panel = "civicloop.open311.views_console.case_panel"
    demo_seed = "civicloop.open311.demo.seed"
    error_format = ("/open311/", "civicloop.open311.views.refusal_response")
