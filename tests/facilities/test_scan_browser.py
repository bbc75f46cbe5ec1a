"""The whole 扫码上报 loop in a real browser: a bin's QR link → the report form already filled in →
submit → the bin's 桶长 sees the case on their page → the case is closed → the bin is 完好 again."""
from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.facilities import services as facilities
from civicloop.facilities.models import Facility
from civicloop.notify.sms.console import last_text
from civicloop.org.models import User
from tests.conftest import WENLAN


@pytest.fixture
def phone(site, browser):
    contexts = []

    def open_app(number: str, *, then: str = "/m/"):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site}{then}")
        expect(page).to_have_url(re.compile(r"/m/login/"))
        page.get_by_label("手机号").fill(number)
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_role("button", name="验证码已发送")).to_be_visible()
        page.get_by_label("验证码").fill(re.search(r"\d{6}", last_text(number)).group(0))
        page.get_by_role("button", name="登录").click()
        return page

    yield open_app
    for context in contexts:
        context.close()


def test_a_bins_scan_link_reports_to_its_keeper_and_the_bin_is_intact_again_when_closed(site, phone, staff, shots):
    keeper_phone = f"1370873{random.randint(0, 9999):04d}"  # browser tests commit: a number of this run's own
    keeper = facilities.keeper_for("李桶长", keeper_phone)
    bin_ = facilities.register_facility(component="03005", name="天马路垃圾箱", lon=WENLAN[0] + 0.0004, lat=WENLAN[1],
                                        keeper=keeper, address="天马路与银河路口东北角")

    # A passer-by scans the label: signs in on the way and lands on the filled-in form.
    page = phone("13900007001", then=f"/f/{bin_.qr_token}")
    expect(page).to_have_url(re.compile(rf"/m/report/\?facility={bin_.qr_token}$"))
    expect(page.get_by_test_id("scanned")).to_contain_text("垃圾箱 · 天马路垃圾箱")
    expect(page.get_by_test_id("scanned")).to_contain_text(bin_.id)
    expect(page.locator("#lon")).not_to_have_value("")
    expect(page.locator("#category")).to_have_value("03005")  # 垃圾箱异常, the matter of the component
    expect(page.get_by_label("地址（可选）")).to_have_value("天马路与银河路口东北角")
    shots(page, "scan-prefilled")
    page.get_by_label("问题描述").fill("垃圾箱盖子坏了，垃圾散落")
    page.get_by_role("button", name="提交上报").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[\d-]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    shots(page, "reported")
    assert Facility.objects.get(pk=bin_.pk).state == "damaged"

    # The keeper got a text and sees the case on their page.
    assert reference in last_text(keeper_phone)
    keeper_page = phone(keeper_phone, then="/m/facilities/mine/")
    expect(keeper_page).to_have_url(re.compile(r"/m/facilities/mine/$"))
    expect(keeper_page.get_by_test_id("open-cases")).to_contain_text(reference)
    expect(keeper_page.get_by_test_id(f"state-{bin_.id}")).to_have_text("破损")
    shots(keeper_page, "keeper-sees-case")

    # The centre sees the bin and its keeper beside the case.
    console = staff("operator")
    console.goto(f"{site}/console/cases/{reference}/")
    expect(console.get_by_test_id("facility-panel")).to_contain_text("桶长 李桶长")
    shots(console, "console-case-panel")

    # The case goes round the loop (the consoles' own journeys are tested elsewhere) and closes.
    people = {u.username: u for u in User.objects.filter(username__in=[
        "operator", "dispatcher", "handler_hwz", "inspector_001", "leader"])}
    case = Case.objects.get(reference=reference)
    services.file_case(case, people["operator"], category="03005")
    services.dispatch_case(case, people["dispatcher"], department="hwz")
    services.sign_case(case, people["handler_hwz"])
    services.handle_case(case, people["handler_hwz"], note="已更换垃圾箱盖")
    services.check_fix(case, people["inspector_001"], passed=True)
    services.close_case(case, people["leader"])

    keeper_page.reload()
    expect(keeper_page.get_by_test_id("open-cases")).to_contain_text("没有待处理的问题")
    expect(keeper_page.get_by_test_id(f"state-{bin_.id}")).to_have_text("完好")
    shots(keeper_page, "keeper-after-close")
    assert Facility.objects.get(pk=bin_.pk).state == "intact"
