"""The text model and the baselines, without a database."""
from __future__ import annotations

from civicloop.classifier import rules
from civicloop.classifier.textmodel import TextModel, cross_validate, holdout, normalise

TEXTS = {
    "垃圾": ["垃圾桶满了没人清", "路边一堆垃圾", "垃圾散落一地很臭", "小区门口垃圾成堆", "垃圾箱满溢"],
    "广告": ["墙上贴满小广告", "电线杆上的小广告", "楼道里喷涂办证广告", "乱贴广告没人管", "小广告贴满了公交站"],
    "停车": ["汽车乱停在人行道", "车辆违停堵住路口", "机动车乱停放", "停车堵住了消防通道", "路边乱停车"],
}


def _data():
    texts, labels = [], []
    for label, items in TEXTS.items():
        texts += items
        labels += [label] * len(items)
    return texts, labels


def test_it_ranks_the_right_label_first_with_a_confidence():
    model = TextModel.fit(*_data())
    top = model.top("人行道上乱停了好多车", k=3)
    assert top[0][0] == "停车"
    confidences = [p for _, p in top]
    assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] <= 1
    assert {label for label, _ in top} == set(TEXTS)


def test_a_saved_model_predicts_the_same_after_loading():
    model = TextModel.fit(*_data())
    again = TextModel.loads(model.dumps())
    assert again.top("垃圾满了", k=3) == model.top("垃圾满了", k=3)


def test_full_width_characters_and_spaces_are_read_like_plain_ones():
    assert normalise("ＡＢＣ１２３　垃圾  桶") == "abc123 垃圾 桶"


def test_cross_validation_scores_every_text_once_and_the_baseline_beside_it():
    texts, labels = _data()
    result = cross_validate(texts, labels, folds=5, baseline=rules.name_matching_baseline)
    assert result["n"] == len(texts)
    assert sum(row["support"] for row in result["per_class"].values()) == len(texts)
    assert 0 <= result["baseline"]["accuracy"] <= 1 and 0 <= result["macro_f1"] <= 1


def test_holdout_keeps_every_label_in_training():
    texts, labels = _data()
    train, test = holdout(texts, labels, share=0.2)
    assert not set(train) & set(test) and len(train) + len(test) == len(texts)
    assert {labels[i] for i in train} == set(TEXTS)


def test_label_words_split_long_names():
    assert rules.label_words("劳动和社会保障") >= {"劳动", "社会保障", "社会", "保障"}
    assert "井盖" in rules.label_words("污水井盖异常") or "污水井盖" in rules.label_words("污水井盖异常")


def test_the_seed_texts_carry_the_tie_break_rules():
    texts, labels = rules.seed_texts([rules.Seed("06042", "垃圾站（箱）满溢", "市容环境类", ("满溢",)),
                                      rules.Seed("06010", "暴露垃圾", "市容环境类")])
    assert "垃圾桶满了，垃圾高出桶口溢出来" in texts and labels[texts.index("暴露垃圾")] == "06010"
    model = TextModel.fit(texts, labels)
    assert model.top("垃圾桶满了溢出来", k=1)[0][0] == "06042"
    assert model.top("路边一堆暴露的垃圾", k=1)[0][0] == "06010"


def test_one_text_alone_gets_the_same_probabilities_as_in_a_batch():
    model = TextModel.fit(*_data())
    texts = ["垃圾桶满了", "ＡＢＣ 小广告", "", "完全无关的话"]
    batch = model.probabilities(texts)
    for i, text in enumerate(texts):
        assert abs(model.probabilities([text])[0] - batch[i]).max() < 1e-5
