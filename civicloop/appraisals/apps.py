from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "civicloop.appraisals"
    verbose_name = "评比 Appraisals"
    console_links = [(_("Appraisals"), "appraisals:staff_list", "civicloop.facilities.access.can_view")]
    citizen_links = [("评比 · 最美庭院", "appraisals:public_list")]
    demo_seed = "civicloop.appraisals.demo.seed"
