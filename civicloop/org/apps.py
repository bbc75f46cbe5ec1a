from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "civicloop.org"
    verbose_name = "组织 Organisation"

    def ready(self) -> None:
        from civicloop.org import signals  # noqa: F401  district centres: cases.command's cache follows
