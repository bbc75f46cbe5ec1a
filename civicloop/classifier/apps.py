from django.apps import AppConfig


class ClassifierConfig(AppConfig):
    name = "civicloop.classifier"
    verbose_name = "智能分类 Classifier"
    worker_jobs = [("classifier", "civicloop.classifier.services.retrain_if_due")]
    demo_seed = "civicloop.classifier.demo.seed"
    category_suggester = "civicloop.classifier.queries.suggest"  # the case panel's 立案 hints
