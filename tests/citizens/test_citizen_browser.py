"""The citizen app on a 390×844 phone with location granted, real photo files, a real browser:
sign in with the SMS code from the console backend, report with two photos, follow a duplicate
instead of reporting again, report offline and watch it go when the network is back."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.citizens.models import CitizenReport
from civicloop.notify.sms.console import last_text
from tests.conftest import WENLAN

HERE = {"latitude": WENLAN[1], "longitude": WENLAN[0]}


def community_at(lon: float, lat: float) -> str:
    from civicloop.geo.index import locate
    from civicloop.geo.models import Division

    return Division.objects.get(code=locate(lon, lat).community_code).name


@pytest.fixture
def photos(tmp_path):
    paths = []
    for i, colour in enumerate([(200, 60, 40), (40, 120, 200)]):
        path = tmp_path / f"street-{i}.jpg"
        Image.new("RGB", (1200, 900), colour).save(path, "JPEG", quality=90)
        paths.append(str(path))
    return paths


@pytest.fixture
def phone(site, browser, shots):
    contexts = []

    def open_app(number: str):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", geolocation=HERE, permissions=["geolocation"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site}/m/")
        expect(page).to_have_url(re.compile(r"/m/login/"))
        page.get_by_label("手机号").fill(number)
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_role("button", name="验证码已发送")).to_be_visible()
        code = re.search(r"\d{6}", last_text(number)).group(0)
        page.get_by_label("验证码").fill(code)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(re.compile(r"/m/$"))
        return page

    yield open_app
    for context in contexts:
        context.close()


def fill_report(page, photos, description: str, category: str = "06010") -> None:
    page.get_by_role("link", name=re.compile("上报问题")).click()
    page.locator("#photos").set_input_files(photos)
    expect(page.locator("#thumbs img")).to_have_count(len(photos))
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.locator("#lon")).not_to_have_value("")
    page.get_by_label("问题描述").fill(description)
    page.locator("#category").select_option(category)


def test_sign_in_and_report_with_two_photos(site, phone, photos, shots):
    page = phone("13900001111")
    shots(page, "signed-in")
    fill_report(page, photos, "天马路垃圾桶满溢，垃圾散落一地")
    # No tiles configured: the pin map still draws the city's own outlines and names to aim at — at the
    # zoom a located phone opens on, the name of the community the pin stands in.
    expect(page.locator("#pin-map.no-tiles path").first).to_be_attached()
    expect(page.locator("#pin-map .basemap-label", has_text=community_at(*WENLAN))).to_be_attached()
    shots(page, "report-filled")
    page.get_by_role("button", name="提交上报").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[\d-]+/$"))
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    shots(page, "report-sent")
    case = Case.objects.get(reference=reference)
    assert case.attachments.filter(kind="before").count() == 2
    assert CitizenReport.objects.get(case=case, followed=False).citizen.phone == "13900001111"


def test_a_duplicate_nearby_is_followed_instead(site, phone, photos, shots):
    original = services.report_case(actor=None, channel="citizen", lon=WENLAN[0] + 0.0003, lat=WENLAN[1],
                                    description="垃圾桶满溢 已有人报", category="06010")
    page = phone("13900002222")
    fill_report(page, photos[:1], "这里垃圾桶满了")
    expect(page.locator("#nearby")).to_be_visible()
    expect(page.locator("#nearby-list")).to_contain_text("米")
    shots(page, "already-reported")
    page.locator(f'#nearby-list li[data-reference="{original.reference}"]').get_by_role("button", name="关注此案件").click()
    expect(page).to_have_url(re.compile(f"/m/reports/{original.reference}/$"))
    assert CitizenReport.objects.filter(case=original, followed=True, citizen__phone="13900002222").exists()
    assert original.attachments.count() == 1
    assert Case.objects.filter(description="这里垃圾桶满了").count() == 0


def test_a_report_made_offline_is_sent_when_the_network_returns(site, phone, photos, shots):
    page = phone("13900003333")
    fill_report(page, photos[:1], "离线上报：井盖缺失")
    page.context.set_offline(True)
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#outbox")).to_contain_text("排队中")
    expect(page.locator("#net")).to_be_visible()
    shots(page, "queued-offline")
    assert not Case.objects.filter(description="离线上报：井盖缺失").exists()
    page.context.set_offline(False)
    expect(page.locator("#outbox li.sent")).to_be_visible(timeout=20_000)
    shots(page, "sent-when-back")
    assert Case.objects.filter(description="离线上报：井盖缺失").count() == 1


def test_a_report_queued_offline_survives_a_reload_and_arrives_once(site, phone, photos, shots):
    page = phone("13900006666")  # a number of its own: codes to one number are at least a minute apart
    fill_report(page, photos[:1], "离线后重开页面：路灯不亮")
    page.context.set_offline(True)
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#outbox")).to_contain_text("排队中")
    page.reload()  # offline: the service worker's kept page; the report waits in the browser's outbox
    expect(page.locator("#outbox")).to_contain_text("排队中")
    shots(page, "queued-after-reload")
    assert not Case.objects.filter(description="离线后重开页面：路灯不亮").exists()
    page.context.set_offline(False)
    expect(page.locator("#outbox li.sent")).to_have_count(1, timeout=20_000)
    expect(page.locator("#outbox")).not_to_contain_text("排队中")
    page.wait_for_timeout(1500)  # a second send would land by now
    case = Case.objects.get(description="离线后重开页面：路灯不亮")
    assert CitizenReport.objects.filter(citizen__phone="13900006666").count() == 1
    assert case.attachments.filter(kind="before").count() == 1


def test_a_closed_case_rated_not_fixed_is_reopened(site, phone, photos, shots):
    from civicloop.org.models import User

    page = phone("13900004444")
    fill_report(page, photos[:1], "人行道井盖破损")
    page.get_by_role("button", name="提交上报").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[\d-]+/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    # The centre's work, done here directly (the consoles' own journeys are tested elsewhere).
    staff = {u.username: u for u in User.objects.filter(username__in=[
        "operator", "dispatcher", "handler_hwz", "inspector_001", "leader"])}
    case = Case.objects.get(reference=reference)
    services.file_case(case, staff["operator"], category="06010")
    services.dispatch_case(case, staff["dispatcher"], department="hwz")
    services.sign_case(case, staff["handler_hwz"])
    services.handle_case(case, staff["handler_hwz"], note="已更换井盖")
    services.check_fix(case, staff["inspector_001"], passed=True)
    services.close_case(case, staff["leader"])

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    page.get_by_label("没有解决").check()
    page.get_by_label("1星").check()
    page.get_by_label("意见（可选）").fill("井盖还是松的")
    shots(page, "rating-not-fixed")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_contain_text("已重新交办处理")
    expect(page.get_by_test_id("status")).to_have_text("处理中")
    page.reload()
    expect(page.get_by_test_id("timeline")).to_contain_text("重新办理")
    shots(page, "reopened")
    case.refresh_from_db()
    assert case.state == "in_progress" and case.rework_count == 1


def test_a_code_entered_wrong_five_times_is_dead_with_a_clear_message(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{site}/m/login/")
        page.get_by_label("手机号").fill("13900005555")
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_role("button", name="验证码已发送")).to_be_visible()
        right = re.search(r"\d{6}", last_text("13900005555")).group(0)
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        for _ in range(5):
            page.get_by_label("验证码").fill(wrong)
            with page.expect_response(lambda r: r.url.endswith("/api/citizen/session")):
                page.get_by_role("button", name="登录").click()
            expect(page.locator('[data-error-for="code"]')).not_to_be_empty()
        expect(page.locator('[data-error-for="code"]')).to_contain_text("验证码错误次数过多，请重新获取")
        page.get_by_label("验证码").fill(right)  # even the right code is dead now
        page.get_by_role("button", name="登录").click()
        expect(page.locator('[data-error-for="code"]')).to_contain_text("请重新获取")
        expect(page).to_have_url(re.compile(r"/m/login/"))
    finally:
        context.close()


def test_the_public_map_shows_problems_as_dots_to_anyone(site, browser, settings, shots):
    settings.PUBLIC_MAP = True
    services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="路灯不亮",
                         category="06010")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}/m/map/")
    expect(page.locator("#public-map path.case-dot").first).to_be_attached()
    expect(page.get_by_test_id("public-map-count")).to_have_text(re.compile(r"共 \d+ 件"))
    page.locator("#public-map path.case-dot.open").first.click(force=True)
    expect(page.locator(".leaflet-popup")).to_contain_text("暴露垃圾")
    shots(page, "public-map")
    context.close()
    assert not errors, errors
