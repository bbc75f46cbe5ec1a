"""Classification speed: texts per second, in batches and one at a time (what the console does).

    .venv/bin/python benchmarks/bench_classifier.py [--texts 20000]

Two models, both as the product builds them (civicloop.classifier.textmodel):
- the city model's shape: the cold start on the 250 GB/T 47678.5 matters (category names, keywords,
  tie-break rules) — the number of labels is what costs at prediction time;
- the 7-label model trained on ../shared/data/cn_govmsg/labeled_messages_1377.csv (long texts:
  ~280 characters), when that file is present.
Each predicts --texts texts (the demo history's complaint texts, or the messages), top 3 with
probabilities. Target: >= 1,000 texts/s. No database needed.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import _common

ROOT = _common.ROOT
GOVMSG = ROOT.parent / "shared" / "data" / "cn_govmsg" / "labeled_messages_1377.csv"


def taxonomy_model():
    from civicloop.classifier import rules
    from civicloop.classifier.textmodel import TextModel

    with (ROOT / "civicloop" / "taxonomy" / "data" / "gbt47678_5.csv").open(encoding="utf-8") as f:
        matters = [row for row in csv.DictReader(f) if row["kind"] == "管理事项"]
    seeds = [rules.Seed(r["code"], r["name"], r["major_name"], (r["name"].replace("异常", ""),)) for r in matters]
    texts, labels = rules.seed_texts(seeds)
    return TextModel.fit(texts, labels), len(set(labels))


def complaint_texts(n: int) -> list[str]:
    from civicloop.demo.history import CATEGORIES, ROADS

    rng = random.Random(5)
    return [f"{rng.choice(ROADS)}{rng.randint(1, 300)}号附近{rng.choice(CATEGORIES)[2]}" for _ in range(n)]


def measure(model, texts: list[str], label: str) -> dict:
    model.top_many(texts[:200], 3)  # warm
    t0 = time.perf_counter()
    for i in range(0, len(texts), 1000):
        model.top_many(texts[i:i + 1000], 3)
    batch = len(texts) / (time.perf_counter() - t0)
    single_n = min(len(texts), 2000)
    t0 = time.perf_counter()
    for text in texts[:single_n]:
        model.top(text, 3)
    single = single_n / (time.perf_counter() - t0)
    chars = sum(map(len, texts)) / len(texts)
    print(f"{label}: batches of 1,000: {batch:,.0f} texts/s | one at a time: {single:,.0f} texts/s "
          f"({1000 / single:.2f} ms each) | {chars:.0f} characters a text | target >= 1,000/s: "
          f"{_common.verdict(min(batch, single), 1000, higher_is_better=True)}")
    return {"batch_per_s": round(batch), "single_per_s": round(single), "chars": round(chars)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import os
    import tempfile

    import django

    os.environ.setdefault("CIVICLOOP_DATA_DIR", tempfile.mkdtemp(prefix="bench_classifier_"))  # no database is opened
    django.setup()
    _common.header("Category classifier: texts per second")
    result = {"bench": "classifier", "machine": _common.machine()}
    t0 = time.perf_counter()
    model, labels = taxonomy_model()
    print(f"cold start on {labels} categories trained in {time.perf_counter() - t0:.1f} s")
    result["taxonomy"] = measure(model, complaint_texts(args.texts), f"{labels} categories, complaints")
    if GOVMSG.exists():
        from civicloop.classifier.management.commands.classifier import read_csv
        from civicloop.classifier.textmodel import TextModel

        texts, labels_ = read_csv(GOVMSG, "title,detail", "label")
        t0 = time.perf_counter()
        model = TextModel.fit(texts, labels_)
        print(f"7-label model trained on {len(texts):,} messages in {time.perf_counter() - t0:.1f} s")
        rng = random.Random(1)
        sample = [rng.choice(texts) for _ in range(args.texts)]
        result["govmsg"] = measure(model, sample, "7 labels, government messages")
    print(f"loadavg {_common.load()}")
    return _common.emit(result)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
