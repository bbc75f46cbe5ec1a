from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "civicloop.duplicates"
    verbose_name = "重复案件 Duplicates"
