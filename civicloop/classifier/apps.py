from django.apps import AppConfig


class ClassifierConfig(AppConfig):
    name = "civicloop.classifier"
    verbose_name = "智能分类 Classifier"
