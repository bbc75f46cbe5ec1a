"""The 2020 泰迪杯 government messages (7 labels): the trained model against the cold start.

Read from ../shared/data (see its SOURCES.md; never copied into the repository)."""
from __future__ import annotations


import pytest

from civicloop.classifier import rules
from civicloop.classifier.management.commands.classifier import read_csv
from civicloop.classifier.textmodel import TextModel, holdout, scores
from tests.shared_data import SHARED

DATA = SHARED / "data" / "cn_govmsg" / "labeled_messages_1377.csv"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not here")


def test_the_trained_classifier_beats_the_name_matching_cold_start_on_held_out_messages():
    texts, labels = read_csv(DATA, "title,detail", "label")
    assert len(texts) == 1377 and len(set(labels)) == 7
    train, test = holdout(texts, labels, share=0.2, seed=1)
    train_x, train_y = [texts[i] for i in train], [labels[i] for i in train]
    test_x, truth = [texts[i] for i in test], [labels[i] for i in test]

    trained = scores(truth, TextModel.fit(train_x, train_y).predict(test_x))
    by_names = scores(truth, rules.name_matching_baseline(train_x, train_y)(test_x))
    seed_x, seed_y = rules.seed_texts([rules.Seed(label, label, keywords=tuple(rules.label_words(label)))
                                       for label in set(labels)])
    cold_model = scores(truth, TextModel.fit(seed_x, seed_y).predict(test_x))

    assert trained["macro_f1"] > by_names["macro_f1"] + 0.2, (trained, by_names)
    assert trained["macro_f1"] > cold_model["macro_f1"] + 0.2, (trained, cold_model)
    assert trained["accuracy"] > 0.75
