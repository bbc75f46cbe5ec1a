"""评比: likes once per citizen, nominated at the threshold, judges score against criteria, results published."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicloop.appraisals import rules, services
from civicloop.appraisals.models import Appraisal, Criterion, Entry
from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.core.errors import Conflict, Forbidden, InvalidInput
from civicloop.org.models import User


def citizen_client(phone: str) -> Client:
    citizen, _ = Citizen.objects.get_or_create(phone=phone)
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    return client


@pytest.fixture
def contest(db):
    appraisal = Appraisal.objects.create(title="最美庭院", like_threshold=2)
    Criterion.objects.create(appraisal=appraisal, name="干净整洁", max_points=50)
    Criterion.objects.create(appraisal=appraisal, name="绿化美化", max_points=50)
    appraisal.judges.set(User.objects.filter(username__in=["leader", "commander"]))
    return appraisal


def test_ranking_averages_judges_per_criterion_and_ties_share_a_place():
    entries = [(1, 5), (2, 9), (3, 1), (4, 3)]  # entry 3 has too few likes
    scores = [(1, 10, 100, 40), (1, 11, 100, 50), (1, 10, 101, 40),  # 45 + 40 = 85
              (2, 10, 100, 45), (2, 10, 101, 40),  # 85
              (3, 10, 100, 50), (3, 10, 101, 50),
              (4, 10, 100, 30)]
    ranked = rules.ranking(entries, scores, threshold=3)
    assert [(r["entry"], r["place"], r["score"]) for r in ranked] == [(2, 1, Decimal("85.00")), (1, 1, Decimal("85.00")),
                                                                       (4, 3, Decimal("30.00"))]


def test_likes_count_once_per_citizen_and_nominate_at_the_threshold(contest):
    entry = services.add_entry(contest, title="石榴花开小院", owner="李秀英")
    url = f"/m/appraisals/entries/{entry.pk}/like"
    one, two = citizen_client("13800138021"), citizen_client("13800138022")
    one.post(url)
    one.post(url)
    entry.refresh_from_db()
    assert entry.likes == 1
    two.post(url)
    page = one.get(f"/m/appraisals/{contest.pk}/").content.decode()
    assert "已获提名" in page and "每人限一次" in page
    assert "/m/login/" in Client().post(url)["Location"]


def test_judges_score_nominated_entries_and_the_results_are_published(contest, signed_in):
    winner = services.add_entry(contest, title="三角梅庭院", owner="王建华",
                                photos=[SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, content_type="image/jpeg")])
    runner = services.add_entry(contest, title="菜园果园", owner="赵玉兰")
    lonely = services.add_entry(contest, title="无人点赞", owner="某某")
    Entry.objects.filter(pk__in=[winner.pk, runner.pk]).update(likes=3)
    leader, commander = User.objects.get(username="leader"), User.objects.get(username="commander")
    with pytest.raises(Conflict):
        services.score(Entry.objects.get(pk=winner.pk), leader, {})  # still open for likes
    signed_in("operator").post(f"/console/appraisals/{contest.pk}/", {"action": "judging"})
    contest.refresh_from_db()
    assert contest.status == "judging"
    with pytest.raises(Conflict):
        services.like(Entry.objects.get(pk=winner.pk), Citizen.objects.create(phone="13800138029"))
    c1, c2 = Criterion.objects.filter(appraisal=contest)
    services.score(Entry.objects.get(pk=winner.pk), leader, {c1.pk: 48, c2.pk: 45})
    services.score(Entry.objects.get(pk=winner.pk), commander, {c1.pk: 46, c2.pk: 47})
    client = signed_in("leader")
    client.post(f"/console/appraisals/{contest.pk}/", {"action": "score", "entry": runner.pk, f"c_{c1.pk}": "40", f"c_{c2.pk}": "41"})
    with pytest.raises(InvalidInput, match="未获提名"):
        services.score(Entry.objects.get(pk=lonely.pk), leader, {c1.pk: 50, c2.pk: 50})
    with pytest.raises(InvalidInput, match="0–50"):
        services.score(Entry.objects.get(pk=runner.pk), leader, {c1.pk: 60, c2.pk: 50})
    with pytest.raises(Forbidden):
        services.score(Entry.objects.get(pk=runner.pk), User.objects.get(username="operator"), {c1.pk: 1, c2.pk: 1})
    assert "results" not in Client().get(f"/m/appraisals/{contest.pk}/").content.decode()
    signed_in("operator").post(f"/console/appraisals/{contest.pk}/", {"action": "publish"})
    page = Client().get(f"/m/appraisals/{contest.pk}/").content.decode()
    assert 'data-testid="results"' in page
    assert page.index("第1名 · <strong>三角梅庭院") < page.index("第2名 · <strong>菜园果园")
    assert "93.00分" in page and "81.00分" in page and "无人点赞</strong>" not in page


def test_only_the_centres_managers_move_an_appraisal_along(contest, signed_in):
    response = signed_in("inspector_001").post(f"/console/appraisals/{contest.pk}/", {"action": "judging"})
    assert "无权操作" in response.content.decode()
    contest.refresh_from_db()
    assert contest.status == "open"
    assert Client().get(f"/console/appraisals/{contest.pk}/").status_code == 302


def test_the_public_and_console_lists_show_the_appraisal(contest, signed_in):
    assert "最美庭院" in Client().get("/m/appraisals/").content.decode()
    page = signed_in("operator").get("/console/appraisals/").content.decode()
    assert "最美庭院" in page and "投票中" in page
