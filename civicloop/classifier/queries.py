"""What the console asks: the top categories for a text, with confidences."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from civicloop.classifier import services
from civicloop.classifier.models import ClassifierModel
from civicloop.classifier.textmodel import TextModel
from civicloop.core.revisions import RevisionCache
from civicloop.taxonomy.queries import config, suggest_categories

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    row: ClassifierModel | None
    model: TextModel | None


def _load() -> Loaded:
    row = ClassifierModel.objects.filter(active=True).first()
    if row is None:  # a new city: the worker's first job (or `make demo`) trains the cold start
        return Loaded(None, None)
    try:
        return Loaded(row, services.load(row))
    except (OSError, ValueError, EOFError) as exc:  # a missing or broken file: no suggestions, say why
        log.warning("classifier model unusable: %s", exc)
        return Loaded(row, None)


_cache: RevisionCache[Loaded] = RevisionCache("classifier", _load)


def active() -> Loaded:
    return _cache.get()


def suggest(text: str, *, limit: int = 3) -> list[dict]:
    """[{code, name, confidence (0–1)}], best first; only active categories of the city."""
    text = (text or "").strip()
    if not text:
        return []
    loaded = active()
    if loaded.model is None:  # no model yet: the taxonomy's plain word match (training takes seconds)
        return [{"code": info.code, "name": info.name, "confidence": share}
                for info, share in suggest_categories(text, limit=limit)]
    categories = config().categories
    out = []
    for code, probability in loaded.model.top(text, k=limit + 5):
        info = categories.get(code)
        if info is not None and info.active:
            out.append({"code": code, "name": info.name, "confidence": probability})
        if len(out) == limit:
            break
    return out
