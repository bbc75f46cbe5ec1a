"""civicloop classifier train|evaluate [--data FILE]: the category classifier from the command line.

Without --data both use the city's filed cases (label = the category confirmed at 立案). With
--data, any UTF-8 CSV with a text and a label column; --text may join several columns (title,detail).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from civicloop.classifier import rules, services
from civicloop.classifier.models import ClassifierModel
from civicloop.classifier.textmodel import TextModel, cross_validate
from civicloop.lib import tabular


class Command(BaseCommand):
    help = "训练或评估案件分类模型 / train or evaluate the category classifier"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["train", "evaluate"])
        parser.add_argument("--data", help="标注CSV / a labelled CSV (default: the city's filed cases)")
        parser.add_argument("--text", default="text", help="文本列，可用逗号连接多列 / text column(s), e.g. title,detail")
        parser.add_argument("--label", default="label", help="标签列 / label column")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--json", action="store_true", help="evaluate: print the scores as JSON")
        parser.add_argument("--no-activate", action="store_true", help="train: save the model without using it")

    def handle(self, *args, what, data, text, label, folds, json: bool, no_activate, **options):
        texts, labels = read_csv(Path(data), text, label) if data else services.filed_cases(10**9)[:2]
        if len(set(labels)) < 2:
            raise CommandError("至少需要两个类别的样本 / need texts of at least two labels")
        if what == "evaluate":
            self._evaluate(texts, labels, folds, as_json=json, city=not data)
        else:
            self._train(texts, labels, activate=not no_activate, from_file=bool(data))

    def _evaluate(self, texts, labels, folds, *, as_json: bool, city: bool) -> None:
        if folds < 2:
            raise CommandError("--folds 至少为2 / at least 2")
        started = time.perf_counter()
        baseline = (lambda _x, _y: services.category_baseline()) if city else rules.name_matching_baseline
        result = cross_validate(texts, labels, folds=folds, baseline=baseline)
        result["seconds"] = round(time.perf_counter() - started, 1)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{result['n']} texts, {len(result['per_class'])} labels, {folds}-fold "
                          f"({result['left_out']} labels with fewer than {folds} texts left out)\n")
        self.stdout.write(f"accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}   "
                          f"name-matching baseline: accuracy {result['baseline']['accuracy']:.3f} "
                          f"macro-F1 {result['baseline']['macro_f1']:.3f}\n")
        self.stdout.write(f"{'label':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'n':>7}\n")
        for name, row in result["per_class"].items():
            self.stdout.write(f"{name:<24}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>7}\n")
        self.stdout.write(f"{result['seconds']} s\n")

    def _train(self, texts, labels, *, activate: bool, from_file: bool) -> None:
        if not from_file:
            row = services.train_from_cases(activate=activate)
            if row is None:
                raise CommandError("已立案案件太少，仍使用冷启动模型 / too few filed cases; the cold start stays")
        else:
            known = {s.code for s in services.category_seeds()}
            unknown = sorted(set(labels) - known)
            if unknown and activate:
                self.stdout.write(f"labels are not category codes (e.g. {unknown[:3]}): saved, not activated\n")
            row = services.save(TextModel.fit(texts, labels), source=ClassifierModel.Source.FILE,
                                samples=len(texts), activate=activate and not unknown)
        self.stdout.write(f"model v{row.version}: {row.samples} texts, {row.labels} labels, "
                          f"{'active' if row.active else 'not active'} ({row.path})\n")


def read_csv(path: Path, text: str, label: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a table (CSV in UTF-8 or GBK, Excel or ODS, through lib/tabular)."""
    try:
        table = tabular.read(path)
    except tabular.TableError as problem:
        raise CommandError(problem.text(gettext)) from None
    columns = [c.strip() for c in text.split(",") if c.strip()]
    missing = [c for c in [*columns, label] if c not in table.header]
    if missing:
        raise CommandError(gettext("missing columns: %(missing)s (the file has %(header)s)")
                           % {"missing": ", ".join(missing), "header": ", ".join(table.header)})
    texts, labels = [], []
    for _number, row in table.rows:
        body = " ".join(tabular.cell_text(row.get(c)) for c in columns).strip()
        value = tabular.cell_text(row.get(label))
        if body and value:
            texts.append(body)
            labels.append(value)
    return texts, labels