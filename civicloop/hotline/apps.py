from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "civicloop.hotline"
    verbose_name = "12345 热线 Hotline"
    console_links = [(_("Hotline"), "hotline:orders", "civicloop.hotline.access.can_use"),
                     (_("To be located"), "hotline:locate", "civicloop.hotline.access.can_locate")]
    demo_seed = "civicloop.hotline.demo.seed"
    # Callbacks are notify outbox rows (channel "webhook"): the worker's deliveries job sends them.

    def ready(self):
        # Imported here, not at the top: models and the receivers' modules load once the app registry is ready.
        from civicloop.cases.signals import case_changed
        from civicloop.hotline.signals import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="hotline.case_changed")
