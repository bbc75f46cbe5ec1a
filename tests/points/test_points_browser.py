"""The whole 一拍三记四兑 loop on a 390×844 phone: a citizen reports with a photo, the centre files
the report and verifies the fix, the points arrive, the citizen redeems an item and gets a pickup QR,
and the mall keeper checks the code out at the counter."""
from __future__ import annotations

import random
import re

import pytest
from django.contrib.auth.models import Permission
from PIL import Image
from playwright.sync_api import expect

from civicloop.cases import services as cases
from civicloop.cases.models import Case
from civicloop.notify.sms.console import last_text
from civicloop.org.models import User
from civicloop.points import services
from civicloop.points.models import Item, Order, ReportOrigin
from tests.browser import PASSWORD
from tests.conftest import WENLAN

HERE = {"latitude": WENLAN[1], "longitude": WENLAN[0]}


@pytest.fixture
def photo(tmp_path):
    """A photo of its own (noise), so the same-photo signal does not match other tests' photos."""
    rng = random.Random()
    image = Image.new("RGB", (64, 48))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64 * 48)])
    path = tmp_path / "street.jpg"
    image.resize((1200, 900)).save(path, "JPEG", quality=90)
    return str(path)


def sign_in_phone(browser, site, number: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", geolocation=HERE, permissions=["geolocation"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site}/m/login/")
    page.get_by_label("手机号").fill(number)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name="验证码已发送")).to_be_visible()
    page.get_by_label("验证码").fill(re.search(r"\d{6}", last_text(number)).group(0))
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/m/$"))
    return context, page


def test_report_earn_redeem_and_pickup_on_a_phone(site, browser, staff, photo, shots):
    number = f"1391{random.randrange(10**7):07d}"
    context, page = sign_in_phone(browser, site, number)
    try:
        page.get_by_role("link", name=re.compile("上报问题")).click()
        page.locator("#photos").set_input_files([photo])
        expect(page.locator("#thumbs img")).to_have_count(1)
        page.get_by_role("button", name="使用当前位置").click()
        expect(page.locator("#lon")).not_to_have_value("")
        page.get_by_label("问题描述").fill("积分测试：人行道上堆放建筑垃圾")
        page.locator("#category").select_option("06010")
        page.get_by_role("button", name="提交上报").click()
        expect(page).to_have_url(re.compile(r"/m/reports/[\d-]+/$"))
        reference = page.url.rstrip("/").rsplit("/", 1)[-1]

        # The centre's work through the service doors (the consoles' journeys are tested elsewhere).
        people = {u.username: u for u in User.objects.filter(username__in=[
            "operator", "dispatcher", "handler_hwz", "inspector_001", "leader"])}
        case = Case.objects.get(reference=reference)
        origin = ReportOrigin.objects.get(case=case)  # the phone's own fix and device id came along
        assert origin.device and abs(origin.phone_lat - WENLAN[1]) < 1e-4
        cases.file_case(case, people["operator"], category="06010")
        cases.dispatch_case(case, people["dispatcher"], department="hwz")
        cases.sign_case(case, people["handler_hwz"])
        cases.handle_case(case, people["handler_hwz"], note="已清运")
        cases.check_fix(case, people["inspector_001"], passed=True)
        cases.close_case(case, people["leader"])
        rule = services.rule_for("06010")
        earned = rule.on_file + rule.on_verified

        page.goto(f"{site}/m/")
        page.get_by_role("link", name=re.compile("积分")).first.click()
        expect(page.get_by_test_id("balance")).to_have_text(str(earned))
        expect(page.get_by_test_id("recent")).to_contain_text(f"上报立案 {reference}")
        expect(page.get_by_test_id("recent")).to_contain_text(f"上报问题已解决 {reference}")
        shots(page, "points-arrived")

        item = Item.objects.create(name=f"文明市民帆布袋{reference[-4:]}", price=earned, stock=1)
        page.get_by_role("link", name="积分超市").click()
        page.get_by_role("button", name=f"兑换 {item.name}").click()
        expect(page.get_by_test_id("pickup-code")).to_be_visible()
        expect(page.locator("[data-testid=qr] svg")).to_be_visible()
        code = page.get_by_test_id("pickup-code").inner_text()
        shots(page, "pickup-qr")
        assert services.balance(Order.objects.get(pickup_code=code).citizen_id) == 0

        # The 荣誉超市 is kept by a street's desk worker, who is given the mall keeper's permission.
        keeper = User.objects.create_user(username=f"mall_{code.lower()}", password=PASSWORD, role="operator",
                                          scope="street", scope_division_id="532503001")
        keeper.user_permissions.add(Permission.objects.get(codename="keep_mall"))
        desk = staff(keeper.username)
        desk.get_by_role("link", name=re.compile("Mall pickup|积分超市核销")).click()
        desk.get_by_label(re.compile("Pickup code|取货码")).fill(code.lower())
        desk.get_by_role("button", name=re.compile("Hand out|核销")).click()
        expect(desk.get_by_test_id("collected")).to_contain_text(item.name)
        shots(desk, "handed-out")

        page.reload()
        expect(page.get_by_test_id("order-status")).to_have_text("已领取")
        shots(page, "collected")
        assert Order.objects.get(pickup_code=code).collected_by == keeper
    finally:
        context.close()
