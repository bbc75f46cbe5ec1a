"""The index kept by the signal, scored candidates, scope, the panel and the auto-merge."""
from __future__ import annotations

import re
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.models import Attachment, Case, CaseEvent
from civicloop.cases.rules import State
from civicloop.duplicates import queries
from civicloop.duplicates.models import OpenCase
from civicloop.duplicates.services import reindex, screen_new_reports
from tests.conftest import CAOBA, WENLAN

EAST_30M = (WENLAN[0] + 0.0003, WENLAN[1])


def report(description="垃圾桶满溢，垃圾散落一地", point=WENLAN, **extra) -> Case:
    return services.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1],
                                description=description, **extra)


def test_open_cases_are_indexed_and_leave_the_index_when_closed_or_merged(db, persona):
    first, second = report(), report(point=EAST_30M)
    assert set(OpenCase.objects.values_list("case_id", flat=True)) == {first.pk, second.pk}
    services.file_case(first, persona("operator"), category="06042")
    assert OpenCase.objects.get(case_id=first.pk).category_id == "06042"
    services.merge_case(second, persona("operator"), into=first.reference, reason="同一垃圾桶")
    services.reject_report(report("不属实"), persona("operator"), reason="无")
    assert list(OpenCase.objects.values_list("case_id", flat=True)) == [first.pk]


def test_the_same_problem_nearby_scores_high_and_a_different_one_low(db, persona):
    same = report()
    other = report("夜间施工噪声扰民", point=(WENLAN[0], WENLAN[1] + 0.0005))
    new = report("垃圾桶满了，垃圾散落一地", point=EAST_30M)
    found = queries.candidates(new, persona("operator"))
    assert [c.case.pk for c in found] == [same.pk, other.pk]
    best, worst = found
    assert 25 <= best.metres <= 35 and best.score.total > worst.score.total
    assert best.score.parts["text"] > 0.5 and worst.score.parts["text"] < 0.2
    assert best.score.parts["photo"] is None and best.score.parts["category"] == 0.5


def test_cases_far_away_or_outside_the_window_are_not_candidates(db, persona):
    report(point=(WENLAN[0] + 0.003, WENLAN[1]))  # ~300 m
    report(now=timezone.now() - timedelta(days=45))
    new = report(point=EAST_30M)
    assert queries.candidates(new, persona("operator")) == []


def test_an_operator_of_another_street_sees_no_candidates_in_wenlan(db, persona):
    report()
    new = report(point=EAST_30M)
    assert queries.candidates(new, persona("operator_caoba")) == []
    assert len(queries.candidates(new, persona("operator"))) == 1


def test_the_photo_hash_raises_the_score(db, persona):
    first, second = report("路边很脏"), report("这里有问题", point=EAST_30M)
    base = queries.candidates(second, persona("operator"))[0].score
    for case in (first, second):
        Attachment.objects.create(case=case, kind="before", content_type="image/jpeg", size=1, sha256="x",
                                  phash="f0f0f0f0f0f0f0f0")
    scored = queries.candidates(second, persona("operator"))[0].score
    assert scored.parts["photo"] == 1.0 and scored.total > base.total


def test_reindex_rebuilds_the_index_from_the_cases_table(db):
    cases = [report(), report(point=CAOBA)]
    OpenCase.objects.all().delete()
    assert reindex() == 2
    assert set(OpenCase.objects.values_list("case_id", flat=True)) == {c.pk for c in cases}


def test_the_panel_shows_the_score_and_its_parts(signed_in):
    first = report()
    new = report("垃圾桶满溢 又一条", point=EAST_30M)
    html = signed_in("operator").get(f"/console/cases/{new.reference}/panel").content.decode()
    table = html.split('data-testid="duplicates"')[1].split("</table>")[0]
    assert first.reference in table and 'data-fill="#merge-into"' in table
    assert "重复度" in html or "Duplicate score" in html
    row = next(r for r in table.split("<tr") if first.reference in r)
    assert re.search(r"<strong>\d+</strong>", row)  # the score
    assert re.search(r"\b(2[5-9]|3[0-5]) m <small>\(\d+\)</small>", row)  # ~30 m and its part


@override_settings(DUPLICATE_AUTO_MERGE_SCORE=0.9)
def test_a_near_certain_duplicate_is_merged_by_the_system_and_says_why(db):
    first = report(category="06042")
    again = report(point=(WENLAN[0] + 0.00005, WENLAN[1]), category="06042")  # 5 m, same words and category
    unlike = report("井盖丢失很危险", point=EAST_30M)
    assert screen_new_reports() == 3
    again.refresh_from_db()
    unlike.refresh_from_db()
    assert again.state == State.VOID and again.duplicate_of_id == first.pk
    assert unlike.state == State.REPORTED and unlike.duplicate_of_id is None
    event = CaseEvent.objects.filter(case=again).latest("seq")
    assert event.actor.username == "system" and not event.actor.is_active
    assert event.reason.startswith("自动合并：重复度")
    assert screen_new_reports() == 0  # each report is looked at once


@override_settings(DUPLICATE_AUTO_MERGE_SCORE=1.5)
def test_above_one_the_system_never_merges(db):
    first = report()
    again = report(point=(WENLAN[0] + 0.00005, WENLAN[1]))
    assert screen_new_reports() == 2
    again.refresh_from_db()
    assert again.state == State.REPORTED and first.duplicate_of_id is None


@override_settings(DUPLICATE_AUTO_MERGE_SCORE=0.9)
def test_a_report_waits_for_its_photos_before_it_is_screened(db):
    report()
    again = report(point=(WENLAN[0] + 0.00005, WENLAN[1]))
    Attachment.objects.create(case=again, kind="before", content_type="image/jpeg", size=1, sha256="y",
                              status=Attachment.Status.PENDING)
    assert screen_new_reports() == 1  # only the first
    assert Case.objects.get(pk=again.pk).state == State.REPORTED


def test_the_demo_seed_indexes_the_history_and_adds_one_duplicate_once(db):
    import io

    from civicloop.duplicates.demo import seed

    original = report()
    OpenCase.objects.all().delete()  # as after the bulk-inserted history
    out = io.StringIO()
    seed(out)
    seed(out)
    again = Case.objects.get(client_key="demo-duplicate-1")
    assert OpenCase.objects.count() == 2
    assert queries.candidates(again, _city_operator())[0].case.pk == original.pk


def _city_operator():
    from civicloop.org.models import User

    return User.objects.get(username="operator")
