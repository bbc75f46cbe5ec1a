"""Cold start, training on the city's filed cases, the retraining job, the command and the panel."""
from __future__ import annotations

import csv
import io
import random

import pytest
from django.core.management import call_command
from django.test import override_settings

from civicloop.cases import services as cases
from civicloop.classifier import queries, services
from civicloop.classifier.models import ClassifierModel
from tests.conftest import WENLAN

# How people really write about four common matters: few of these words are in the category names.
WRITTEN = {
    "06042": ["桶都装不下了，垃圾冒出来", "小区门口那个桶满得往外掉", "垃圾箱爆满三天没人收", "收集点堆满溢到路上",
              "垃圾桶塞满了盖子都盖不上", "果皮箱满了往外掉东西"],
    "09009": ["轿车停在盲道上", "门口天天有车乱停", "车子堵住小区出口", "人行道被汽车占满", "路口违停的面包车",
              "消防通道停满私家车"],
    "07001": ["电杆上贴满办证电话", "墙上全是牛皮癣", "楼道里到处是开锁电话", "公交站牌被贴满了",
              "有人在墙上喷涂电话号码", "配电箱上贴满疏通下水道"],
    "06028": ["半夜广场舞音响太吵", "工地晚上还在施工很吵", "酒吧音乐吵得睡不着", "凌晨有人在楼下大声喧哗",
              "商铺喇叭整天循环叫卖", "夜里装修电钻声扰民"],
}


def _file_cases(operator, per_category: int, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    tails = ["", "，请尽快处理", "，好几天了", "，影响出行", "，希望管一管"]
    for code, texts in WRITTEN.items():
        for i in range(per_category):
            case = cases.report_case(actor=None, channel="citizen", lon=WENLAN[0] + rng.uniform(-0.01, 0.01),
                                     lat=WENLAN[1] + rng.uniform(-0.01, 0.01),
                                     description=texts[i % len(texts)] + rng.choice(tails))
            cases.file_case(case, operator, category=code)


def test_without_a_model_the_words_of_the_category_names_still_suggest(db):
    assert not ClassifierModel.objects.exists()
    top = queries.suggest("路边有暴露垃圾")
    assert top and top[0]["code"] == "06010" and 0 < top[0]["confidence"] <= 1


def test_the_workers_first_job_builds_a_cold_start_from_the_taxonomy(db):
    assert services.retrain_if_due() == 1
    top = queries.suggest("垃圾桶满了，垃圾溢出来了")
    row = ClassifierModel.objects.get(active=True)
    assert row.source == ClassifierModel.Source.COLD_START and row.labels > 200
    assert len(top) == 3 and top[0]["code"] == "06042"
    assert all(0 < s["confidence"] <= 1 for s in top) and top[0]["confidence"] >= top[1]["confidence"]


@override_settings(CLASSIFIER_MIN_CASES=20)
def test_a_model_trained_on_filed_cases_beats_name_matching_on_held_out_cases(db, persona):
    _file_cases(persona("operator"), per_category=15)
    row = services.train_from_cases()
    assert row is not None and row.active and row.source == ClassifierModel.Source.CASES
    assert row.samples == 60 and row.scores["method"] == "hold-out 20%"
    assert row.scores["accuracy"] > row.scores["baseline"]["accuracy"]
    assert row.scores["macro_f1"] > row.scores["baseline"]["macro_f1"]
    assert queries.suggest("楼下的桶满得往外掉")[0]["code"] == "06042"


@override_settings(CLASSIFIER_MIN_CASES=20, CLASSIFIER_RETRAIN_HOURS=0, CLASSIFIER_RETRAIN_LABELS=30)
def test_the_worker_retrains_when_enough_new_cases_were_filed(db, persona, monkeypatch):
    monkeypatch.setattr(services, "_next_check", 0.0)
    assert services.retrain_if_due() == 1  # no model yet: the cold start
    assert ClassifierModel.objects.get(active=True).source == ClassifierModel.Source.COLD_START
    monkeypatch.setattr(services, "_next_check", 0.0)
    assert services.retrain_if_due() == 0  # nothing filed since
    _file_cases(persona("operator"), per_category=10)
    monkeypatch.setattr(services, "_next_check", 0.0)
    assert services.retrain_if_due() == 1
    active = ClassifierModel.objects.get(active=True)
    assert active.source == ClassifierModel.Source.CASES and active.version == 2
    assert services.new_labels_since(active) == 0
    assert ClassifierModel.objects.count() == 2  # the old version is kept, not active


@override_settings(CLASSIFIER_MIN_CASES=20)
def test_too_few_filed_cases_keep_the_cold_start(db, persona):
    _file_cases(persona("operator"), per_category=2)
    assert services.train_from_cases() is None


def test_evaluate_prints_k_fold_scores_for_any_labelled_csv(db, tmp_path):
    data = tmp_path / "labelled.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for code, texts in WRITTEN.items():
            for text in texts:
                writer.writerow([text, code])
    out = io.StringIO()
    call_command("classifier", "evaluate", "--data", str(data), "--folds", "3", stdout=out)
    text = out.getvalue()
    assert "24 texts, 4 labels, 3-fold" in text and "accuracy" in text and "macro-F1" in text
    for code in WRITTEN:
        assert code in text


def test_train_on_a_file_of_foreign_labels_saves_but_does_not_use_it(db, tmp_path):
    data = tmp_path / "other.csv"
    data.write_text("title,detail,label\n" + "\n".join(
        f"标题{i},{'学校收费' if i % 2 else '公交线路'}{i},{'教育' if i % 2 else '交通'}" for i in range(20)),
        encoding="utf-8")
    out = io.StringIO()
    call_command("classifier", "train", "--data", str(data), "--text", "title,detail", stdout=out)
    row = ClassifierModel.objects.get()
    assert not row.active and row.source == ClassifierModel.Source.FILE and "not activated" in out.getvalue()


def test_a_missing_column_is_a_clear_error(db, tmp_path):
    from django.core.management.base import CommandError

    data = tmp_path / "bad.csv"
    data.write_text("words,label\n垃圾,06010\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"(缺少列：|missing columns: )text"):
        call_command("classifier", "evaluate", "--data", str(data))


def test_the_operator_sees_the_top_three_with_confidences_before_filing(signed_in):
    services.train_cold_start()
    case = cases.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                             description="电线杆上贴满了小广告")
    html = signed_in("operator").get(f"/console/cases/{case.reference}/panel").content.decode()
    section = html.split('data-testid="category-suggestions"')[1].split("</p>")[0]
    assert section.count('data-fill="#file-category"') == 3
    assert 'data-value="07001"' in section and "非法小广告" in section and "%" in section


def test_the_demo_seed_leaves_a_model_in_use_and_runs_once(db):
    from civicloop.classifier.demo import seed

    out = io.StringIO()
    seed(out)
    seed(out)
    assert ClassifierModel.objects.filter(active=True).count() == 1 and out.getvalue().count("分类模型") == 1
