from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicloop.evaluation"
    verbose_name = "综合评价 evaluation"
