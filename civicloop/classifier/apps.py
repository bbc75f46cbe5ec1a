from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class ClassifierConfig(AppConfig):
    name = "civicloop.classifier"
    verbose_name = "智能分类 Classifier"
    # A retraining is due after hours and looked for at most every ten minutes (services.retrain_if_due);
    # the cold start, when there is no model, runs at the worker's start. A training takes minutes.
    worker_jobs = [Job("classifier", "civicloop.classifier.services.retrain_if_due",
                       every=timedelta(minutes=10), budget=timedelta(minutes=10))]
    demo_seed = "civicloop.classifier.demo.seed"
    category_suggester = "civicloop.classifier.queries.suggest"  # the case panel's 立案 hints
