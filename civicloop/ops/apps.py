from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The top layer: commands that run the whole site (worker, demo, seed, import, backup, restore,
    retention, privacy). It may import any app; no app imports it."""

    name = "civicloop.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from civicloop.ops import checks  # noqa: F401  registers the production checks
