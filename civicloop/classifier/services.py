"""Training, saving and activating models; the worker's retraining job."""
from __future__ import annotations

import functools
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from civicloop.cases.models import Case, CaseEvent
from civicloop.cases.rules import Action
from civicloop.classifier import rules
from civicloop.classifier.models import ClassifierModel
from civicloop.classifier.textmodel import TextModel, holdout, scores
from civicloop.core import revisions
from civicloop.taxonomy.queries import config

log = logging.getLogger(__name__)
REVISION = "classifier"


def category_seeds() -> list[rules.Seed]:
    return [rules.Seed(info.code, info.name, info.major_name, info.keywords)
            for info in config().categories.values() if info.active]


def category_baseline():
    """The name-matching cold start on categories (what the console suggested before the model)."""
    words = {s.code: rules.label_words(s.name) | {k for k in s.keywords if len(k) >= 2} for s in category_seeds()}
    return rules.name_matcher(words, fallback="")


# ---------------------------------------------------------------------------- saving


def save(model: TextModel, *, source: str, samples: int, last_event_id: int = 0, scores: dict | None = None,
         activate: bool) -> ClassifierModel:
    """Write the file first (atomically), then the row: a row never points at a missing file."""
    folder = Path(settings.CLASSIFIER_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    version = (ClassifierModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    name = f"classifier-v{version}-{uuid.uuid4().hex[:8]}.joblib"  # unique even if two processes race
    partial = folder / f".{name}.{os.getpid()}"
    partial.write_bytes(model.dumps())
    os.replace(partial, folder / name)
    scores = scores or {}
    with transaction.atomic():
        row = ClassifierModel.objects.create(
            version=version, source=source, path=name, samples=samples, labels=len(model.labels),
            last_event_id=last_event_id, accuracy=scores.get("accuracy"), macro_f1=scores.get("macro_f1"),
            scores=scores)
        if activate:
            activate_model(row)
    return row


def activate_model(row: ClassifierModel) -> None:
    with transaction.atomic():
        ClassifierModel.objects.filter(active=True).exclude(pk=row.pk).update(active=False)
        ClassifierModel.objects.filter(pk=row.pk).update(active=True)
        row.active = True
        revisions.bump(REVISION)


def load(row: ClassifierModel) -> TextModel:
    return TextModel.loads((Path(settings.CLASSIFIER_DIR) / row.path).read_bytes())


# ---------------------------------------------------------------------------- training


def train_cold_start(*, activate: bool = True) -> ClassifierModel:
    texts, labels = rules.seed_texts(category_seeds())
    return save(_cold_start_model(tuple(texts), tuple(labels)), source=ClassifierModel.Source.COLD_START,
                samples=len(texts), activate=activate)


@functools.lru_cache(maxsize=2)
def _cold_start_model(texts: tuple[str, ...], labels: tuple[str, ...]) -> TextModel:
    """The same taxonomy gives the same model: fitted once per process (tests make many databases)."""
    return TextModel.fit(list(texts), list(labels))


def filed_cases(limit: int) -> tuple[list[str], list[str], int]:
    """(texts, labels, last FILE event id): the newest filed cases with the category the operator
    confirmed at 立案 (a later change of category by a person is the better label, so the case's
    current category is used)."""
    last = CaseEvent.objects.filter(action=Action.FILE).aggregate(m=Max("id"))["m"] or 0
    rows = (Case.objects.filter(filed_at__isnull=False, category__isnull=False)
            .order_by("-id").values_list("description", "category_id")[:limit])
    texts, labels = [], []
    for text, label in rows:
        texts.append(text)
        labels.append(label)
    return texts, labels, last


def train_from_cases(*, activate: bool = True) -> ClassifierModel | None:
    """Hold out a fifth to score the model and the name-matching baseline, then fit on everything.

    The seed texts are always added, so a category nobody has filed yet can still be suggested."""
    texts, labels, last = filed_cases(settings.CLASSIFIER_MAX_CASES)
    if len(texts) < settings.CLASSIFIER_MIN_CASES or len(set(labels)) < 2:
        return None
    seed_x, seed_y = rules.seed_texts(category_seeds())
    train, test = holdout(texts, labels)
    held = {}
    if test:
        model = TextModel.fit([texts[i] for i in train] + seed_x, [labels[i] for i in train] + seed_y)
        truth = [labels[i] for i in test]
        held = scores(truth, model.predict([texts[i] for i in test]))
        baseline = scores(truth, category_baseline()([texts[i] for i in test]))
        held["baseline"] = {k: v for k, v in baseline.items() if k != "per_class"}
        held["method"] = "hold-out 20%"
    model = TextModel.fit(texts + seed_x, labels + seed_y)
    return save(model, source=ClassifierModel.Source.CASES, samples=len(texts), last_event_id=last,
                scores=held, activate=activate)


# ---------------------------------------------------------------------------- the worker's job

_next_check = 0.0


def retrain_if_due() -> int:
    """Worker job: a cold start when there is no model; a retraining when the active model is
    CLASSIFIER_RETRAIN_HOURS old and CLASSIFIER_RETRAIN_LABELS cases were filed since. Checks the
    event table at most every ten minutes (the worker calls this every few seconds)."""
    global _next_check
    active = ClassifierModel.objects.filter(active=True).first()
    if active is None:
        train_cold_start()
        return 1
    if time.monotonic() < _next_check:
        return 0
    _next_check = time.monotonic() + 600
    if timezone.now() - active.created_at < timedelta(hours=settings.CLASSIFIER_RETRAIN_HOURS):
        return 0
    if new_labels_since(active) < settings.CLASSIFIER_RETRAIN_LABELS:
        return 0
    started = time.perf_counter()
    row = train_from_cases()
    if row is None:
        return 0
    log.info("classifier v%s trained on %s cases in %.0f s", row.version, row.samples, time.perf_counter() - started)
    return 1


def new_labels_since(row: ClassifierModel) -> int:
    return CaseEvent.objects.filter(pk__gt=row.last_event_id, action=Action.FILE).count()
