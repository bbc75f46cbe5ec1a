from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from civicloop.core.extensions import Job


class FacilitiesConfig(AppConfig):
    name = "civicloop.facilities"
    verbose_name = "部件 Facilities"
    console_links = [(_("Facilities"), "facilities:staff_list", "civicloop.facilities.access.can_view")]
    citizen_links = [("我管护的设施", "facilities:mine")]
    case_panel = "civicloop.facilities.views.case_panel"
    # Staff watch an import's progress bar; one call runs a whole file, which may take minutes.
    worker_jobs = [Job("facility imports", "civicloop.facilities.importing.run_due",
                       every=timedelta(seconds=2), budget=timedelta(minutes=10))]
    demo_seed = "civicloop.facilities.demo.seed"
    qr_labels = {"facility": ("civicloop.facilities.scan.prefill", "civicloop.facilities.scan.refs")}  # 扫码上报
    registry_rows = {"facility": "civicloop.facilities.importing.facility_rows"}

    def ready(self) -> None:
        # Imported here, not at the top: models and the receivers' modules load once the app registry is ready.
        from civicloop.cases.signals import case_changed
        from civicloop.facilities import services
        from civicloop.notify import sms

        from django.db.models.signals import post_delete, post_save

        from civicloop.facilities.models import Facility

        case_changed.connect(services.on_case_changed, dispatch_uid="facilities.on_case_changed")
        post_save.connect(services.on_facility_saved, sender=Facility, dispatch_uid="facilities.saved")
        post_delete.connect(services.on_facility_deleted, sender=Facility, dispatch_uid="facilities.deleted")
        # The keeper's notice, to be registered with the SMS provider like the others (CIVICLOOP_SMS_TEMPLATES).
        sms.TEMPLATES.setdefault(services.SMS_TEMPLATE, sms.Template(
            services.SMS_TEMPLATE, "您管护的{facility}（{code}）有群众反映问题（{reference}），请及时查看处理。",
            ("facility", "code", "reference")))
