"""Every path of the loop, walked through the JSON API by the personas who do it in real life."""
from __future__ import annotations

import pytest

from civicloop.cases.models import Case
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db


def report(client, **extra) -> dict:
    body = {"lon": WENLAN[0], "lat": WENLAN[1], "description": "天马路垃圾桶旁有暴露垃圾", "category": "06010", **extra}
    response = client.post("/cases", body)
    assert response.status_code == 201, response.content
    return response.json()


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def actions(case: dict) -> list[str]:
    return [e["action"] for e in case["timeline"]]


@pytest.fixture
def team(api):
    return {name: api(name) for name in (
        "operator", "leader", "dispatcher", "commander", "inspector_001", "handler_hwz", "handler_cgj", "gridworker")}


def to_dispatched(team) -> str:
    ref = report(team["operator"])["reference"]
    ok(team["operator"].act(ref, "file", condition="", priority=1))
    ok(team["dispatcher"].act(ref, "dispatch"))
    return ref


def test_the_whole_loop_from_report_to_closure(team):
    case = report(team["inspector_001"])
    ref = case["reference"]
    assert ref.startswith("532503-") and case["state"] == "reported" and case["channel"] == "inspector"
    assert case["street"] == "532503001" and len(case["grid"]) == 15 and case["stage"] == "file"

    case = ok(team["operator"].act(ref, "file"))
    assert case["state"] == "filed" and case["stage"] == "dispatch" and case["on_time"]["file"] is True
    case = ok(team["dispatcher"].act(ref, "dispatch"))  # no department named: the routing rule's
    assert case["state"] == "dispatched" and case["department"] == "hwz" and case["stage"] == "handle"
    case = ok(team["handler_hwz"].act(ref, "sign"))
    assert case["state"] == "in_progress"
    case = ok(team["handler_hwz"].act(ref, "handle", note="已清运"))
    assert case["state"] == "handled" and case["stage"] == "check" and case["on_time"]["handle"] is True
    case = ok(team["inspector_001"].act(ref, "check", passed=True))
    assert case["state"] == "checked" and case["on_time"]["check"] is True
    case = ok(team["leader"].act(ref, "close"))

    assert case["state"] == "closed" and case["kind"] == "closed" and case["stage"] is None
    assert case["light"] is None and case["on_time"]["close"] is True
    assert actions(case) == ["report", "file", "dispatch", "sign", "handle", "check", "close"]
    assert [e["to_state"] for e in case["timeline"]] == [
        "reported", "filed", "dispatched", "in_progress", "handled", "checked", "closed"]
    assert case["timeline"][2]["actor"] == "派遣员 刘洋" and case["timeline"][2]["department"] == "hwz"
    assert [e["stage"] for e in case["timeline"] if e["stage"]] == ["file", "dispatch", "handle", "check", "close"]
    assert all(e["on_time"] is True for e in case["timeline"] if e["stage"])


def test_a_report_is_verified_on_site_before_filing(team):
    ref = report(team["operator"], channel="citizen", category=None)["reference"]
    case = ok(team["operator"].act(ref, "request_verification"))
    assert case["state"] == "verifying" and case["stage"] == "verify"
    case = ok(team["inspector_001"].act(ref, "verify_report", real=True, note="现场属实"))
    assert case["state"] == "reported" and case["report_verified"] is True and case["on_time"]["verify"] is True
    case = ok(team["operator"].act(ref, "file", category="06042"))
    assert case["category"] == "06042" and case["state"] == "filed"


def test_a_report_not_worth_filing_is_closed_with_its_reason(team):
    ref = report(team["operator"])["reference"]
    case = ok(team["operator"].act(ref, "not_file", reason="不属于城市管理范围"))
    assert case["state"] == "not_filed" and case["kind"] == "void"
    assert case["timeline"][-1]["reason"] == "不属于城市管理范围"


def test_void_needs_the_shift_leaders_approval(team):
    ref = report(team["operator"])["reference"]
    case = ok(team["operator"].act(ref, "request_void", reason="测试数据"))
    assert case["state"] == "reported" and case["pending"] == "void"
    # While the request waits, nobody can file it.
    refused = team["operator"].act(ref, "file")
    assert refused.status_code == 422 and refused.json()["allowed_actions"] == []
    case = ok(team["leader"].act(ref, "deny_void", reason="信息有效"))
    assert case["pending"] == "" and case["state"] == "reported"
    ok(team["operator"].act(ref, "request_void", reason="重复"))
    case = ok(team["leader"].act(ref, "approve_void"))
    assert case["state"] == "void" and case["kind"] == "void"
    assert actions(case)[1:] == ["request_void", "deny_void", "request_void", "approve_void"]


def test_a_return_is_approved_and_the_case_is_dispatched_again(team):
    ref = to_dispatched(team)
    case = ok(team["handler_hwz"].act(ref, "request_return", reason="不属于环卫站职责"))
    assert case["pending"] == "return" and case["stage_deadline"] is None  # clock stops while waiting
    case = ok(team["dispatcher"].act(ref, "approve_return"))
    assert case["state"] == "filed" and case["department"] is None and case["return_count"] == 1
    assert case["stage"] == "dispatch"
    case = ok(team["dispatcher"].act(ref, "dispatch", department="cgj"))
    assert case["department"] == "cgj"
    # The first unit no longer sees the case; the new one does.
    assert team["handler_hwz"].get(f"/cases/{ref}").status_code == 404
    ok(team["handler_cgj"].act(ref, "sign"))


def test_a_denied_return_keeps_the_unit_and_restarts_its_clock(team):
    ref = to_dispatched(team)
    ok(team["handler_hwz"].act(ref, "request_return", reason="不是我们的"))
    case = ok(team["dispatcher"].act(ref, "deny_return", reason="属于环卫站职责"))
    assert case["pending"] == "" and case["department"] == "hwz" and case["stage_deadline"] is not None


def test_an_approved_extension_moves_the_deadline(team):
    ref = to_dispatched(team)
    ok(team["handler_hwz"].act(ref, "sign"))
    before = Case.objects.get(reference=ref)
    case = ok(team["handler_hwz"].act(ref, "request_extension", amount=1, unit="WD", reason="需协调渣土车"))
    assert case["pending"] == "extend" and case["pending_data"]["amount"] == 1
    case = ok(team["dispatcher"].act(ref, "approve_extension"))
    after = Case.objects.get(reference=ref)
    assert case["pending"] == "" and case["extension_count"] == 1
    assert after.stage_limit_seconds == before.stage_limit_seconds + 7 * 3600  # one working day = 7 h
    assert after.stage_deadline > before.stage_deadline


def test_an_extension_in_the_wrong_kind_of_time_is_refused(team):
    ref = to_dispatched(team)
    response = team["handler_hwz"].act(ref, "request_extension", amount=2, unit="ND", reason="x")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit"


def test_a_suspended_case_keeps_its_remaining_time(team):
    ref = to_dispatched(team)
    ok(team["handler_hwz"].act(ref, "sign"))
    ok(team["handler_hwz"].act(ref, "request_suspension", reason="需纳入改造计划"))
    case = ok(team["dispatcher"].act(ref, "approve_suspension"))
    assert case["state"] == "suspended" and case["stage_deadline"] is None and case["light"] is None
    case = ok(team["commander"].act(ref, "resume", note="资金已落实"))
    assert case["state"] == "in_progress" and case["stage_deadline"] is not None
    assert actions(case)[-3:] == ["request_suspension", "approve_suspension", "resume"]


def test_a_failed_check_sends_the_case_back_for_rework(team):
    ref = to_dispatched(team)
    ok(team["handler_hwz"].act(ref, "sign"))
    ok(team["handler_hwz"].act(ref, "handle", note="已清理"))
    missing_reason = team["inspector_001"].act(ref, "check", passed=False)
    assert missing_reason.status_code == 422 and missing_reason.json()["errors"][0]["field"] == "note"
    case = ok(team["inspector_001"].act(ref, "check", passed=False, note="仍有垃圾"))
    assert case["state"] == "in_progress" and case["rework_count"] == 1 and case["stage"] == "handle"
    ok(team["handler_hwz"].act(ref, "handle", note="返工完成"))
    ok(team["inspector_001"].act(ref, "check", passed=True))
    case = ok(team["leader"].act(ref, "close"))
    assert case["state"] == "closed" and actions(case).count("handle") == 2


def test_an_inspector_closes_a_small_thing_on_the_spot(team):
    case = report(team["inspector_001"], self_handled=True, description="扶正倒地的垃圾桶")
    assert case["state"] == "self_handled" and case["stage"] == "close"
    case = ok(team["leader"].act(case["reference"], "close", note="审核通过"))
    assert case["state"] == "closed" and actions(case) == ["report", "close"]


def test_only_field_staff_may_self_handle(team):
    response = team["operator"].post("/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "description": "x",
                                                "category": "06010", "self_handled": True})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "self_handled"


def test_a_leader_supervises_a_case_without_changing_its_state(team):
    ref = to_dispatched(team)
    case = ok(team["commander"].act(ref, "supervise", reason="群众多次反映"))
    assert case["supervised"] is True and case["state"] == "dispatched"
    listed = team["commander"].get("/cases", supervised="true")
    assert ref in [c["reference"] for c in listed.json()["items"]]
    assert ok(team["commander"].act(ref, "unsupervise"))["supervised"] is False


def test_a_closed_case_is_reopened_as_rework(team):
    ref = to_dispatched(team)
    for who, action, extra in (("handler_hwz", "sign", {}), ("handler_hwz", "handle", {"note": "好了"}),
                               ("inspector_001", "check", {"passed": True}), ("leader", "close", {})):
        ok(team[who].act(ref, action, **extra))
    case = ok(team["leader"].act(ref, "reopen", reason="市民反映又出现"))
    assert case["state"] == "in_progress" and case["rework_count"] == 1 and case["closed_at"] is None


def test_reopening_after_the_window_is_refused(team, persona):
    from datetime import timedelta

    from django.utils import timezone

    ref = to_dispatched(team)
    for who, action, extra in (("handler_hwz", "sign", {}), ("handler_hwz", "handle", {"note": "好了"}),
                               ("inspector_001", "check", {"passed": True}), ("leader", "close", {})):
        ok(team[who].act(ref, action, **extra))
    Case.objects.filter(reference=ref).update(closed_at=timezone.now() - timedelta(days=8))
    response = team["leader"].act(ref, "reopen", reason="又脏了")
    assert response.status_code == 422 and "7" in response.json()["detail"]
    assert Case.objects.get(reference=ref).state == "closed"


def test_a_duplicate_is_merged_into_the_original(team):
    original = report(team["operator"])["reference"]
    duplicate = report(team["operator"], description="同一处暴露垃圾")["reference"]
    case = ok(team["operator"].act(duplicate, "merge", into=original))
    assert case["state"] == "void" and case["duplicate_of"] == original
    response = team["operator"].act(report(team["operator"])["reference"], "merge", into=duplicate)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "into"


def test_a_commander_reassigns_a_case_and_the_new_unit_is_told(team):
    from civicloop.notify.models import Delivery

    ref = to_dispatched(team)
    case = ok(team["commander"].act(ref, "reassign", department="cgj", reason="涉及占道，由城管局处理"))
    assert case["department"] == "cgj" and case["state"] == "dispatched"
    assert Delivery.objects.filter(case__reference=ref, recipient="department:cgj").count() == 1


def test_an_action_not_allowed_now_lists_what_is(team):
    ref = report(team["operator"])["reference"]
    response = team["dispatcher"].act(ref, "dispatch")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "not_allowed" and body["allowed_actions"] == []
    response = team["operator"].act(ref, "close")
    assert set(response.json()["allowed_actions"]) == {"request_verification", "file", "not_file", "request_void", "merge"}


def test_a_stale_version_gets_a_conflict_and_changes_nothing(team):
    ref = report(team["operator"])["reference"]
    response = team["operator"].act(ref, "file", version=99)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Case.objects.get(reference=ref).state == "reported"


def test_the_same_client_key_three_times_makes_one_case(team):
    refs = set()
    for _ in range(3):
        response = team["operator"].post("/cases", {"lon": WENLAN[0], "lat": WENLAN[1], "description": "重试",
                                                    "client_key": "phone-7f3a-0001"})
        assert response.status_code in (200, 201)
        refs.add(response.json()["reference"])
    assert len(refs) == 1 and Case.objects.filter(client_key="phone-7f3a-0001").count() == 1


def test_reporters_phone_is_masked_for_departments(team):
    ref = report(team["operator"], channel="citizen", reporter_phone="13812341234")["reference"]
    assert ok(team["operator"].get(f"/cases/{ref}"))["reporter_phone"] == "13812341234"
    ok(team["operator"].act(ref, "file"))
    ok(team["dispatcher"].act(ref, "dispatch"))
    assert ok(team["handler_hwz"].get(f"/cases/{ref}"))["reporter_phone"] == "138****1234"


def test_a_reopened_self_handled_case_goes_to_the_dispatcher(team):
    """Found by the state machine: it has no unit yet, so rework means dispatching it first."""
    ref = report(team["inspector_001"], self_handled=True, description="扶正垃圾桶")["reference"]
    ok(team["leader"].act(ref, "close"))
    case = ok(team["leader"].act(ref, "reopen", reason="又倒了"))
    assert case["state"] == "filed" and case["stage"] == "dispatch" and case["rework_count"] == 1
    case = ok(team["dispatcher"].act(ref, "dispatch"))
    assert case["department"] == "hwz"
