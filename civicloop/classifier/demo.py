"""Demo seed: a model the console can use at once — trained on the demo history's filed cases."""
from __future__ import annotations

from civicloop.classifier import services
from civicloop.classifier.models import ClassifierModel


def seed(stdout) -> None:
    if ClassifierModel.objects.filter(active=True).exists():
        return
    row = services.train_from_cases() or services.train_cold_start()
    stdout.write(f"  分类模型 v{row.version} ({row.get_source_display()}, {row.samples} 条 texts)\n")
