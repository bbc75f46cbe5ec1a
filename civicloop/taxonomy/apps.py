from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "civicloop.taxonomy"
    verbose_name = "分类 Taxonomy"

    def ready(self) -> None:
        from civicloop.taxonomy import signals  # noqa: F401  keeps cached configuration in step
