from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "civicloop.appraisals"
    verbose_name = "评比 Appraisals"
