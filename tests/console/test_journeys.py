"""Browser journeys through the staff consoles, UI only (the citizen's report comes from the
intake function, as the citizen app would send it). Screenshots: test-artifacts/screenshots/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civicloop.cases import attachments, services
from civicloop.cases.models import Case, CaseEvent
from civicloop.cases.rules import State
from tests.conftest import WENLAN
from tests.console import journey


@pytest.fixture
def photos(tmp_path):
    return {"before": journey.png_file(tmp_path, "before.png", (160, 40, 40)),
            "after": journey.png_file(tmp_path, "after.png", (40, 160, 60))}


@pytest.fixture
def citizen_report(photos):
    def make(description: str = "人民路路口井盖缺失，有安全隐患") -> Case:
        case = services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                    description=description, reporter_phone="13800001234")
        with photos["before"].open("rb") as handle:
            from django.core.files.uploadedfile import SimpleUploadedFile

            attachments.attach(case, None, SimpleUploadedFile("before.png", handle.read()), kind="before")
        return case
    return make


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_five_people_close_the_loop(site, staff, shots, citizen_report, photos):
    case = citizen_report()
    ref = case.reference

    operator = staff("operator")
    expect(operator.locator('nav.queues .tab[data-queue="intake"]')).to_contain_text("待受理")
    journey.open_from_queue(operator, site, "intake", ref)
    expect(operator.locator("#panel [data-testid=photos-before] img")).to_have_count(1)
    shots(operator, "operator-intake")
    journey.file_case(operator, site, ref, category="01001")
    assert fresh(case).state == State.FILED

    dispatcher = staff("dispatcher")
    journey.open_from_queue(dispatcher, site, "dispatch", ref)
    shots(dispatcher, "dispatcher-queue")
    journey.dispatch_case(dispatcher, site, ref, "szgs")
    assert fresh(case).department_id == "szgs"

    worker = staff("handler_szgs", phone=True)
    journey.sign_case(worker, site, ref)
    shots(worker, "worker-signed-phone")
    journey.handle_case(worker, site, ref, photos["after"])
    assert fresh(case).state == State.HANDLED

    inspector = staff("inspector_001", phone=True)
    journey.open_from_queue(inspector, site, "checks", ref)
    expect(inspector.locator("#panel [data-testid=photos-before] img")).to_have_count(1)
    expect(inspector.locator("#panel [data-testid=photos-after] img")).to_have_count(1)
    shots(inspector, "inspector-before-after")
    journey.check_fix(inspector, site, ref, passed=True)

    leader = staff("leader")
    journey.open_from_queue(leader, site, "to-close", ref)
    leader.keyboard.press("x")
    expect(leader.locator('#panel details[data-action="close"]')).to_have_attribute("open", "")
    journey.submit_action(leader, "close")
    journey.expect_done(leader, "结案", ref)
    leader.goto(f"{site}/console/cases/{ref}/")
    expect(leader.locator("[data-testid=state]")).to_have_text("已结案")
    expect(leader.locator("[data-testid=timeline] li")).to_have_count(7)
    shots(leader, "closed-case-page")
    done = fresh(case)
    assert done.state == State.CLOSED
    actors = list(CaseEvent.objects.filter(case=done).order_by("seq").values_list("actor__username", flat=True))
    assert actors == [None, "operator", "dispatcher", "handler_szgs", "handler_szgs", "inspector_001", "leader"]


def test_a_return_is_approved_and_the_case_re_dispatched(site, staff, shots, citizen_report):
    ref = citizen_report("共享单车乱停放，堵塞人行道").reference
    journey.file_case(staff("operator"), site, ref)
    dispatcher = staff("dispatcher")
    journey.dispatch_case(dispatcher, site, ref, "swj")

    worker = staff("handler_swj", phone=True)
    journey.open_from_queue(worker, site, "tasks", ref)
    journey.open_action(worker, "request_return")
    worker.locator('#panel details[data-action="request_return"] textarea[name=reason]').fill("不属于水务局职责，应由市政处理")
    journey.submit_action(worker, "request_return")
    journey.expect_done(worker, "申请回退", ref)

    journey.open_from_queue(dispatcher, site, "requests", ref)
    expect(dispatcher.locator("#panel [data-testid=request]")).to_contain_text("不属于水务局职责")
    shots(dispatcher, "return-request")
    journey.open_action(dispatcher, "approve_return")
    journey.submit_action(dispatcher, "approve_return")
    journey.expect_done(dispatcher, "批准回退", ref)
    assert Case.objects.get(reference=ref).state == State.FILED

    journey.dispatch_case(dispatcher, site, ref, "szgs")
    case = Case.objects.get(reference=ref)
    assert case.state == State.DISPATCHED and case.department_id == "szgs" and case.return_count == 1


def test_an_extension_is_approved_and_the_deadline_moves(site, staff, shots, citizen_report):
    ref = citizen_report("道路破损坑洞需要修补").reference
    journey.file_case(staff("operator"), site, ref)
    dispatcher = staff("dispatcher")
    journey.dispatch_case(dispatcher, site, ref, "szgs")
    worker = staff("handler_szgs", phone=True)
    journey.sign_case(worker, site, ref)
    before = Case.objects.get(reference=ref).stage_deadline

    journey.open_action(worker, "request_extension")
    form = worker.locator('#panel details[data-action="request_extension"]')
    form.locator("input[name=amount]").fill("2")
    expect(form.locator("select[name=unit] option")).to_have_count(2)  # only the stage clock's own units
    form.locator("textarea[name=reason]").fill("需要采购沥青材料")
    journey.submit_action(worker, "request_extension")
    journey.expect_done(worker, "申请延期", ref)

    journey.open_from_queue(dispatcher, site, "requests", ref)
    shown_before = dispatcher.locator("#panel [data-testid=deadline]").inner_text()
    journey.open_action(dispatcher, "approve_extension")
    expect(dispatcher.locator('#panel details[data-action="approve_extension"] input[name=amount]')).to_have_value(re.compile(r"^2(\.0+)?$"))
    journey.submit_action(dispatcher, "approve_extension")
    journey.expect_done(dispatcher, "批准延期", ref)
    dispatcher.goto(f"{site}/console/cases/{ref}/")
    shown_after = dispatcher.locator("[data-testid=deadline]").inner_text()
    shots(dispatcher, "deadline-moved")
    after = Case.objects.get(reference=ref).stage_deadline
    assert after > before and shown_after != shown_before


def test_a_failed_check_sends_the_case_back_for_rework(site, staff, shots, citizen_report, photos):
    ref = citizen_report("绿化带垃圾堆积").reference
    journey.file_case(staff("operator"), site, ref)
    journey.dispatch_case(staff("dispatcher"), site, ref, "hwz")
    worker = staff("handler_hwz", phone=True)
    journey.sign_case(worker, site, ref)
    journey.handle_case(worker, site, ref, photos["after"], note="已清理")

    inspector = staff("inspector_001", phone=True)
    journey.open_from_queue(inspector, site, "checks", ref)
    journey.open_action(inspector, "check")
    inspector.locator('#panel details[data-action="check"]').get_by_label("否", exact=True).check()
    journey.submit_action(inspector, "check")  # no note: refused beside the field
    expect(inspector.locator('#panel details[data-action="check"] .field-error')).to_contain_text("不能为空")
    shots(inspector, "fail-needs-a-note")
    inspector.locator('#panel details[data-action="check"] textarea[name=note]').fill("仍有垃圾未清运")
    journey.submit_action(inspector, "check")
    journey.expect_done(inspector, "核查", ref)

    case = Case.objects.get(reference=ref)
    assert case.state == State.IN_PROGRESS and case.rework_count == 1
    worker.reload()
    journey.open_from_queue(worker, site, "tasks", ref)
    expect(worker.locator("[data-testid=timeline]")).to_contain_text("仍有垃圾未清运")
    shots(worker, "rework-back-in-tasks")


def test_a_caoba_operator_cannot_reach_a_wenlan_case(site, staff, shots, citizen_report):
    ref = citizen_report("文澜街道 占道经营").reference
    caoba = staff("operator_caoba")
    expect(caoba.locator(".queue-list")).not_to_contain_text(ref)
    caoba.goto(f"{site}/console/cases/?q={ref}")
    expect(caoba.locator("main")).not_to_contain_text(ref)
    response = caoba.goto(f"{site}/console/cases/{ref}/")
    assert response.status == 404
    response = caoba.goto(f"{site}/console/q/intake/?case={ref}")
    assert response.status == 404
    shots(caoba, "not-found")
    wenlan = staff("operator_wenlan")
    expect(wenlan.locator(".queue-list")).to_contain_text(ref)


def test_a_double_click_makes_one_transition(site, staff, citizen_report):
    ref = citizen_report("双击测试 垃圾满溢").reference
    operator = staff("operator")
    journey.open_from_queue(operator, site, "intake", ref)
    journey.open_action(operator, "not_file")
    operator.locator('#panel details[data-action="not_file"] textarea[name=reason]').fill("重复上报")
    operator.locator('#panel details[data-action="not_file"] button[type=submit]').dblclick()
    journey.expect_done(operator, "不予立案", ref)
    assert CaseEvent.objects.filter(case__reference=ref).count() == 2


def test_two_operators_on_one_case_one_wins_the_other_is_told(site, staff, shots, citizen_report):
    ref = citizen_report("两人同时受理 井盖破损").reference
    first, second = staff("operator"), staff("leader")
    for page in (first, second):
        journey.open_from_queue(page, site, "intake", ref)
    journey.file_case(first, site, ref)
    journey.open_action(second, "not_file")
    second.locator('#panel details[data-action="not_file"] textarea[name=reason]').fill("无效")
    journey.submit_action(second, "not_file")
    expect(second.locator("#panel [data-testid=action-error]")).to_contain_text("案件已被他人更新")
    shots(second, "loser-told")
    assert Case.objects.get(reference=ref).state == State.FILED
    assert CaseEvent.objects.filter(case__reference=ref).count() == 2
