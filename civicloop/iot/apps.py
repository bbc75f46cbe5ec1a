from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from civicloop.core.extensions import Job


class IotConfig(AppConfig):
    name = "civicloop.iot"
    verbose_name = "物联感知 IoT and cameras"
    console_links = [(_("Devices"), "iot:devices", "civicloop.iot.access.can_view")]
    # Events the consumer stored but had no time to run the rules over (or stored with --no-rules).
    # A look every few seconds is enough: normally the consumer runs the rules itself.
    worker_jobs = [Job("iot events", "civicloop.iot.services.process_pending",
                       every=timedelta(seconds=5), budget=timedelta(seconds=30))]
    case_panel = "civicloop.iot.views.case_panel"
    demo_seed = "civicloop.iot.demo.seed"

    def ready(self):
        # Imported here, not at the top: models and the receivers' modules load once the app registry is ready.
        from civicloop.cases.signals import case_changed
        from civicloop.iot.signals import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="iot.case_changed")
