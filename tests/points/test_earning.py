"""Points follow the case: filed → points, verified → more, nothing for unfiled or merged reports,
voided reports give their points back, replays change nothing, flagged reports wait for review."""
from __future__ import annotations

import pytest
from django.test import override_settings

from civicloop.cases import services as cases
from civicloop.points import queries, services
from civicloop.points.models import EarningRule, Entry, FraudFlag, ReportOrigin
from tests.points import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules(db):
    EarningRule.objects.create(category=None, on_file=5, on_verified=10)
    EarningRule.objects.create(category_id="06042", on_file=8, on_verified=12)


def balance(who) -> int:
    return services.balance(who.pk)


def test_a_filed_report_earns_and_a_verified_fix_earns_more():
    alice = f.citizen()
    case = f.report(alice)
    assert balance(alice) == 0  # reported, not yet filed
    f.file(case)
    assert balance(alice) == 5
    f.verify(case)
    assert balance(alice) == 15
    assert queries.verified_reports(alice) == 1
    assert [e.reason for e in queries.history(alice)] == [f"上报问题已解决 {case.reference}", f"上报立案 {case.reference}"]


def test_amounts_follow_the_category_rule():
    bob = f.citizen()
    f.file(f.report(bob, category="06042"))
    assert balance(bob) == 8


def test_a_report_not_filed_earns_nothing():
    carol = f.citizen()
    case = f.report(carol)
    cases.reject_report(case, f.staff("operator"), reason="不属于城管事项")
    assert balance(carol) == 0 and not Entry.objects.filter(citizen=carol).exists()


def test_only_the_first_reporter_of_a_duplicate_earns():
    first, second = f.citizen(), f.citizen()
    original = f.report(first)
    f.file(original)
    duplicate = f.report(second)
    cases.merge_case(duplicate, f.staff("operator"), into=original.reference)
    assert balance(first) == 5 and balance(second) == 0


def test_a_filed_report_voided_later_gives_its_points_back():
    dave = f.citizen()
    case = f.report(dave)
    f.file(case)
    cases.request_void(case, f.staff("operator"), reason="虚假上报")
    cases.approve_void(case, f.staff("leader"), reason="照片是网上的")
    assert balance(dave) == 0
    assert Entry.objects.get(citizen=dave, kind="reversal").amount == -5
    assert queries.balances_agree([dave.pk]) == []


def test_a_reversal_never_takes_the_balance_below_zero():
    erin = f.citizen()
    case = f.report(erin)
    f.file(case)
    services.post(citizen_id=erin.pk, amount=-4, kind="spend", key="test:spent", reason="兑换")
    cases.request_void(case, f.staff("operator"), reason="虚假上报")
    cases.approve_void(case, f.staff("leader"))
    assert balance(erin) == 0
    assert "1分未能追回" not in Entry.objects.get(citizen=erin, kind="reversal").reason
    assert "4分未能追回" in Entry.objects.get(citizen=erin, kind="reversal").reason


def test_replaying_the_signal_earns_nothing_more():
    frank = f.citizen()
    case = f.report(frank)
    f.file(case)
    services.award(case, stage="filed", now=case.updated_at)
    services.award(case, stage="filed", now=case.updated_at)
    assert balance(frank) == 5 and Entry.objects.filter(citizen=frank).count() == 1


@override_settings(POINTS_DAILY_CAP=12)
def test_reports_earn_at_most_the_daily_cap():
    gina = f.citizen()
    for _ in range(3):
        f.file(f.report(gina))
    assert balance(gina) == 12
    assert "已达每日上限" in Entry.objects.filter(citizen=gina).order_by("pk").last().reason


def test_an_anonymous_report_earns_nobody_anything():
    case = f.report(None)
    f.file(case)
    assert not Entry.objects.filter(case=case).exists()


# ---------------------------------------------------------------------------- fraud signals


def test_a_report_far_from_the_phone_is_held_until_released():
    hank = f.citizen()
    case = f.report(hank, refs={"phone_lon": "103.50", "phone_lat": "23.45", "client_device": "dev-h"})
    assert ReportOrigin.objects.filter(case=case).exists()
    f.file(case)
    flag = FraudFlag.objects.get(case=case)
    assert flag.status == "pending" and flag.signals[0]["kind"] == "far_from_phone"
    assert balance(hank) == 0
    f.verify(case)
    assert balance(hank) == 0  # still held
    manager = f.staff("commander")
    _grant(manager, "manage_points")
    services.review_flag(flag.pk, manager, release=True, note="核实无误")
    assert balance(hank) == 15


def test_a_rejected_flag_never_pays():
    ivy = f.citizen()
    case = f.report(ivy, refs={"phone_lon": "103.50", "phone_lat": "23.45"})
    f.file(case)
    manager = f.staff("commander")
    _grant(manager, "manage_points")
    services.review_flag(FraudFlag.objects.get(case=case).pk, manager, release=False)
    f.verify(case)
    assert balance(ivy) == 0


@override_settings(POINTS_BURST_LIMIT=2)
def test_a_burst_from_one_device_is_flagged():
    people = [f.citizen() for _ in range(3)]
    reports = [f.report(p, refs={"client_device": "same-phone"}) for p in people]
    for case in reports:
        f.file(case)
    kinds = [[s["kind"] for s in FraudFlag.objects.get(case=c).signals] for c in reports if FraudFlag.objects.filter(case=c).exists()]
    assert kinds == [["burst_device"]]
    assert balance(people[0]) == 5 and balance(people[2]) == 0


def test_the_same_photo_as_another_report_is_flagged():
    from civicloop.cases.models import Attachment

    jack, kim = f.citizen(), f.citizen()
    first, second = f.report(jack), f.report(kim)
    for case, phash in ((first, "f0f0f0f0f0f0f0f0"), (second, "f0f0f0f0f0f0f0f1")):
        Attachment.objects.create(case=case, kind="before", content_type="image/jpeg", size=1, sha256="x", phash=phash)
    f.file(second)
    flag = FraudFlag.objects.get(case=second)
    assert flag.signals[0]["kind"] == "same_photo" and first.reference in flag.signals[0]["detail"]


def test_review_needs_the_permission():
    lea = f.citizen()
    case = f.report(lea, refs={"phone_lon": "103.50", "phone_lat": "23.45"})
    f.file(case)
    from civicloop.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.review_flag(FraudFlag.objects.get(case=case).pk, f.staff("operator"), release=True)


def _grant(user, codename: str) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename=codename))
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def test_the_citizen_api_passes_the_phone_position_and_device_on():
    from django.test import Client

    from civicloop.citizens.services import SESSION_KEY

    mia = f.citizen()
    client = Client()
    session = client.session
    session[SESSION_KEY] = mia.pk
    session.save()
    answer = client.post("/api/citizen/reports", {"lon": "103.385", "lat": "23.367", "description": "井盖缺失",
                                                  "category": "06010", "device": "phone-1", "phone_lon": "103.3851",
                                                  "phone_lat": "23.3671"})
    assert answer.status_code == 201, answer.content
    origin = ReportOrigin.objects.get(case__reference=answer.json()["reference"])
    assert origin.device == "phone-1" and round(origin.phone_lon, 4) == 103.3851
