"""The consoles as a shift uses them: live queues, keys, language, field reports, bulk dispatch."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.cases.rules import State
from civicloop.org.models import User
from tests.conftest import WENLAN
from tests.console import journey


def report(description: str) -> Case:
    return services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description=description)


def test_a_new_report_appears_in_the_open_queue_without_reload(site, staff, shots):
    operator = staff("operator")
    tab = operator.locator('nav.queues .tab[data-queue="intake"] .count').first
    before = int(tab.inner_text())
    operator.evaluate("window.__sameDocument = true")
    case = report("刚刚上报：路灯不亮 live refresh")
    expect(operator.locator(f'.queue-list li[data-reference="{case.reference}"]')).to_be_visible(timeout=6_000)
    expect(tab).to_have_text(str(before + 1), timeout=6_000)
    assert operator.evaluate("window.__sameDocument") is True  # no reload happened
    shots(operator, "appeared-live")


def test_keys_move_through_the_queue_and_open_actions(site, staff):
    first, second = report("键盘 第一件"), report("键盘 第二件")
    operator = staff("operator")
    journey.open_from_queue(operator, site, "intake", first.reference)
    refs = operator.locator(".queue-list li").evaluate_all("els => els.map(e => e.dataset.reference)")
    position = refs.index(first.reference)
    with operator.expect_response(re.compile(r"/panel")):
        operator.keyboard.press("j" if position + 1 < len(refs) else "k")
    expected = refs[position + 1] if position + 1 < len(refs) else refs[position - 1]
    expect(operator.locator(f'#panel .case[data-reference="{expected}"]')).to_be_visible()
    operator.keyboard.press("n")
    expect(operator.locator('#panel details[data-action="not_file"]')).to_have_attribute("open", "")
    expect(operator.locator('#panel details[data-action="not_file"] textarea')).to_be_focused()
    assert second.reference in refs


def test_english_is_one_click_away(site, staff, shots):
    case = report("English switch 井盖")
    operator = staff("operator")
    operator.get_by_role("button", name="English").click()
    expect(operator.get_by_role("button", name="Sign out")).to_be_visible()
    journey.open_from_queue(operator, site, "intake", case.reference)
    expect(operator.locator("#panel [data-testid=state]")).to_have_text("reported")
    expect(operator.locator('#panel details[data-action="file"] summary')).to_contain_text("file")
    shots(operator, "english")
    operator.get_by_role("button", name="中文").click()
    expect(operator.get_by_role("button", name="退出")).to_be_visible()


def test_an_inspector_reports_and_handles_on_the_spot_and_the_leader_closes(site, staff, shots, tmp_path):
    photo = journey.png_file(tmp_path, "fixed.png", (30, 140, 60))
    inspector = staff("inspector_001", phone=True)
    inspector.goto(f"{site}/console/report/")
    inspector.get_by_label("经度").fill(str(WENLAN[0]))
    inspector.get_by_label("纬度").fill(str(WENLAN[1]))
    inspector.get_by_label("问题描述").fill("小广告张贴，已现场清除")
    inspector.get_by_label("现场自行处置").check()
    inspector.locator("input[name=photos]").set_input_files(str(photo))
    inspector.get_by_role("button", name="提交上报").click()  # no category: refused beside the field
    expect(inspector.locator(".field.invalid")).to_contain_text("请选择事项分类")
    expect(inspector.get_by_label("问题描述")).to_have_value("小广告张贴，已现场清除")
    inspector.get_by_label("事项分类").select_option("01001")
    inspector.locator("input[name=photos]").set_input_files(str(photo))
    inspector.get_by_role("button", name="提交上报").dblclick()
    inspector.wait_for_url(re.compile(r"/console/cases/[\d-]+/$"))
    reference = inspector.url.rstrip("/").rsplit("/", 1)[-1]
    shots(inspector, "self-handled")
    assert Case.objects.filter(description="小广告张贴，已现场清除").count() == 1
    assert Case.objects.get(reference=reference).state == State.SELF_HANDLED

    leader = staff("leader")
    journey.open_from_queue(leader, site, "to-close", reference)
    expect(leader.locator("#panel [data-testid=photos-after] img")).to_have_count(1)
    journey.open_action(leader, "close")
    journey.submit_action(leader, "close")
    journey.expect_done(leader, "结案", reference)
    assert Case.objects.get(reference=reference).state == State.CLOSED


def test_bulk_dispatch_sends_ticked_cases_to_their_suggested_departments(site, staff, shots):
    # Not the `persona` fixture: it opens a test transaction that would lock the live server out.
    operator = User.objects.get(username="operator")
    cases = [report(f"批量派遣 {i}") for i in range(2)]
    for case in cases:
        services.file_case(case, operator, category="01001")
    dispatcher = staff("dispatcher")
    dispatcher.goto(f"{site}/console/q/dispatch/")
    for case in cases:
        dispatcher.locator(f'.queue-list input[name=pick][value^="{case.reference}:"]').check()
    shots(dispatcher, "ticked")
    dispatcher.get_by_test_id("bulk-dispatch").click()
    expect(dispatcher.locator("#panel .notice")).to_contain_text("已派遣 2 件")
    suggested = services.suggest_department(cases[0])
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.DISPATCHED and case.department_id == suggested


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => el.offsetParent !== null || el.closest('details'))
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
    .map(el => el.outerHTML.slice(0, 120))"""


def test_every_control_has_a_label_and_help_is_one_key_away(site, staff):
    case = report("无障碍 labels")
    operator = staff("operator")
    journey.open_from_queue(operator, site, "intake", case.reference)
    assert operator.evaluate(UNLABELLED) == []
    operator.keyboard.press("?")
    expect(operator.locator("#keys-help")).to_be_visible()
    operator.keyboard.press("?")
    expect(operator.locator("#keys-help")).to_be_hidden()
    for path in ("/console/report/", "/console/cases/"):
        page = staff("inspector_001") if path == "/console/report/" else operator
        page.goto(f"{site}{path}")
        assert page.evaluate(UNLABELLED) == [], path
