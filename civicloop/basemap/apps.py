from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasemapConfig(AppConfig):
    name = "civicloop.basemap"
    verbose_name = _("Basemap")
    demo_seed = "civicloop.basemap.demo.seed"
