from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "civicloop.shops"
    verbose_name = "安心码 Shops"
    console_links = [(_("Shops"), "shops:staff_list", "civicloop.facilities.access.can_view")]
    demo_seed = "civicloop.shops.demo.seed"
    qr_labels = {"shop": ("civicloop.shops.scan.prefill", "civicloop.shops.scan.refs")}  # 扫码上报
    # The upload page's registry kinds (facilities/importing.py): kind → factory of its row function.
    registry_rows = {"shop": "civicloop.shops.importing.shop_rows"}
