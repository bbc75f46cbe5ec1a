from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicloop.cases"
    verbose_name = "案件 Cases"
