from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The top layer: what runs the whole site (the worker, demo, seed_demo, serve, city, import_cases, backup,
    restore, createstaff; /healthz; the production checks). It may import any app; no app imports it."""

    name = "civicloop.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from civicloop.ops import checks  # noqa: F401  registers the production checks
